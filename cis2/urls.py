from django.urls import path

from . import views

app_name = "cis2"
urlpatterns = [
    path("auth/cis2/sign-in/", views.start, name="start"),
    path("auth/cis2/callback/", views.callback, name="callback"),
    path("auth/cis2/signed-out/", views.signed_out, name="signed_out"),
    path("auth/cis2/jwks.json", views.jwks, name="jwks"),
    path("auth/cis2/backchannel-logout/", views.backchannel_logout, name="backchannel_logout"),
]
