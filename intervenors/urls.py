from django.urls import path

from . import views

app_name = "intervenors"
urlpatterns = [
    path("intervenors/caseload/", views.caseload, name="caseload"),
    path("intervenors/waiting/", views.waiting, name="waiting"),
    path("intervenors/capacity/", views.capacity, name="capacity"),
    path("cases/<uuid:pk>/", views.case_detail, name="case"),
    path("cases/<uuid:pk>/assign/", views.case_assign, name="assign"),
    path("cases/<uuid:pk>/reassign/", views.case_reassign, name="reassign"),
    path("cases/<uuid:pk>/activity/", views.activity_add, name="activity"),
    path("cases/<uuid:pk>/plan/", views.plan_update, name="plan"),
    path("cases/<uuid:pk>/close/", views.closure_propose, name="propose_closure"),
    path("cases/<uuid:pk>/confirm-closure/", views.closure_confirm, name="confirm_closure"),
    path("cases/<uuid:pk>/actions/", views.case_action_add, name="action_add"),
    path("cases/<uuid:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("cases/<uuid:pk>/milestones/<uuid:milestone_pk>/", views.milestone_detail,
         name="milestone"),
    path("cases/<uuid:pk>/milestones/<uuid:milestone_pk>/update/", views.milestone_update,
         name="milestone_update"),
    path("cases/<uuid:pk>/barriers/", views.barrier_add, name="barrier_add"),
    path("cases/<uuid:pk>/barriers/<uuid:barrier_pk>/", views.barrier_detail, name="barrier"),
    path("cases/<uuid:pk>/barriers/<uuid:barrier_pk>/status/", views.barrier_status,
         name="barrier_status"),
    path("cases/<uuid:pk>/barriers/<uuid:barrier_pk>/escalate/", views.barrier_escalate,
         name="barrier_escalate"),
    path("cases/<uuid:pk>/barriers/<uuid:barrier_pk>/answer/", views.barrier_answer,
         name="barrier_answer"),
]
