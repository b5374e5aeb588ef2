from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.my_referrals, name="mine"),
    path("referrals/new/", views.referral_create, name="create"),
    path("referrals/queue/", views.queue, name="queue"),
    path("referrals/<uuid:pk>/", views.referral_detail, name="detail"),
    path("referrals/<uuid:pk>/triage/", views.triage, name="triage"),
    path("people/find/", views.person_find, name="find"),
    path("people/<uuid:pk>/", views.person_detail, name="person"),
    path("people/<uuid:pk>/concerns/", views.concern_add, name="concern_add"),
    path("people/<uuid:pk>/lts/end/", views.lts_end, name="lts_end"),
    path("people/<uuid:pk>/discharges/", views.discharge_add, name="discharge_add"),
    path("people/<uuid:pk>/discharges/<uuid:discharge_pk>/readmission/",
         views.readmission_add, name="readmission_add"),
    path("people/<uuid:pk>/concerns/<uuid:concern_pk>/resolve/", views.concern_resolve,
         name="concern_resolve"),
]
