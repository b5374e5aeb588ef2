from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("reviews/", views.review_list, name="list"),
    path("reviews/<uuid:pk>/", views.review_detail, name="detail"),
    path("reviews/<uuid:pk>/schedule/", views.review_schedule, name="schedule"),
    path("reviews/<uuid:pk>/panel/", views.review_record_panel, name="panel"),
    path("reviews/<uuid:pk>/panel/draft/", views.review_panel_draft, name="panel_draft"),
    path("reviews/<uuid:pk>/report/", views.review_issue_report, name="report"),
    path("reviews/<uuid:pk>/easy-read/", views.review_easy_read, name="easy_read"),
    path("reviews/<uuid:pk>/easy-read.pdf", views.review_easy_read_pdf, name="easy_read_pdf"),
    path("reviews/<uuid:pk>/easy-read/post/", views.review_easy_read_post,
         name="easy_read_post"),
    path("reviews/<uuid:pk>/easy-read/write/", views.review_easy_read_write,
         name="easy_read_write"),
    path("reviews/<uuid:pk>/easy-read/share/", views.review_easy_read_share,
         name="easy_read_share"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<uuid:pk>/", views.action_detail, name="action"),
    path("actions/<uuid:pk>/owner/", views.action_change_owner, name="action_owner"),
    path("actions/<uuid:pk>/escalation/", views.action_escalation_respond,
         name="action_escalation"),
]
