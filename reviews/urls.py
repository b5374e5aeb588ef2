from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("reviews/", views.review_list, name="list"),
    path("reviews/<uuid:pk>/", views.review_detail, name="detail"),
    path("reviews/<uuid:pk>/schedule/", views.review_schedule, name="schedule"),
    path("reviews/<uuid:pk>/panel/", views.review_record_panel, name="panel"),
    path("reviews/<uuid:pk>/report/", views.review_issue_report, name="report"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<uuid:pk>/", views.action_detail, name="action"),
    path("actions/<uuid:pk>/owner/", views.action_change_owner, name="action_owner"),
]
