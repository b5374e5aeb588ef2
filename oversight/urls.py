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
urlpatterns += [
    path("oversight/trends/", views.trends, name="trends"),
    path("oversight/trends.csv", views.trends_csv, name="trends_csv"),
    path("oversight/trends/<slug:key>/", views.trend, name="trend"),
    path("oversight/trends/rebases/<uuid:pk>/withdraw/", views.rebase_withdraw,
         name="rebase_withdraw"),
    path("oversight/evaluation/", views.evaluation, name="evaluation"),
]
