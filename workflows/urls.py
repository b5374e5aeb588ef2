from django.urls import path

from . import views

app_name = "workflows"
urlpatterns = [
    path("work/", views.inbox, name="inbox"),
    path("notifications/", views.notices, name="notices"),
    path("take/<str:kind>/<uuid:pk>/", views.task_take, name="task_take"),
    path("release/<str:kind>/<uuid:pk>/", views.task_release, name="task_release"),
    path("notifications/<int:pk>/", views.notice_open, name="notice_open"),
    path("people/<uuid:pk>/timeline/", views.timeline, name="timeline"),
    path("people/<uuid:pk>/access-log/", views.access_log, name="access_log"),
    path("oversight/equality/", views.equality, name="equality"),
    path("oversight/outcomes/", views.outcomes, name="outcomes"),
    path("oversight/themes/", views.themes, name="themes"),
    path("oversight/packs/", views.packs, name="packs"),
    path("oversight/packs/<uuid:pk>/", views.pack, name="pack"),
    path("oversight/packs/<uuid:pk>/<str:fmt>/", views.pack_file, name="pack_file"),
    path("oversight/themes/<slug:code>/", views.theme_detail, name="theme"),
    path("oversight/outcomes.csv", views.outcomes_csv, name="outcomes_csv"),
    path("exports/", views.exports, name="exports"),
    path("exports/<uuid:pk>/", views.export, name="export"),
    path("exports/<uuid:pk>/file/", views.export_file, name="export_file"),
    path("oversight/", views.dashboard, name="dashboard"),
]
