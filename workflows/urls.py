from django.urls import path

from . import views

app_name = "workflows"
urlpatterns = [
    path("work/", views.inbox, name="inbox"),
    path("take/<str:kind>/<uuid:pk>/", views.task_take, name="task_take"),
    path("release/<str:kind>/<uuid:pk>/", views.task_release, name="task_release"),
    path("actions/<uuid:pk>/owner-email/", views.owner_email_follow_up,
         name="owner_email_follow_up"),
]
