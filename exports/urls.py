from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("exports/", views.exports, name="exports"),
    path("exports/<uuid:pk>/", views.export, name="export"),
    path("exports/<uuid:pk>/file/", views.export_file, name="export_file"),
]
