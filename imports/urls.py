from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<uuid:pk>/", views.run, name="run"),
    path("imports/<uuid:pk>/import/", views.apply, name="apply"),
    path("imports/templates/<str:kind>.<str:file_format>", views.template, name="template"),
]
