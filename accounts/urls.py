from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/api-token/", views.api_token, name="tokens"),
    path("accounts/session/", views.session_renew, name="session_renew"),
    path("accounts/password/<uidb64>/<token>/", views.password_set_view,
         name="password_reset_confirm"),
    path("accounts/password/done/", views.password_set_done_view,
         name="password_reset_complete"),
]
