from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("oversight/", views.dashboard, name="dashboard"),
    path("oversight/equality/", views.equality, name="equality"),
    path("oversight/outcomes/", views.outcomes, name="outcomes"),
    path("oversight/outcomes.csv", views.outcomes_csv, name="outcomes_csv"),
    path("oversight/themes/", views.themes, name="themes"),
    path("oversight/themes/<slug:code>/", views.theme_detail, name="theme"),
    path("oversight/packs/", views.packs, name="packs"),
    path("oversight/packs/<uuid:pk>/", views.pack, name="pack"),
    path("oversight/packs/<uuid:pk>/<str:fmt>/", views.pack_file, name="pack_file"),
]
