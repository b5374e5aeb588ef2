from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("people/<uuid:pk>/timeline/", views.timeline, name="timeline"),
    path("people/<uuid:pk>/access-log/", views.access_log, name="access_log"),
]
