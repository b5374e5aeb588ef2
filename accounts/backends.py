"""Django's password backend, reading a signed-in user with their organisation in one query
(every page's header names it) and their permissions with their roles in one more
(`User.load_access`), where Django would read each of the three apart."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """Also the backend a NHS CIS2 sign-in logs people in with (cis2.views): it reads the
    session's user and their permissions; only `authenticate` is about passwords."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.PASSWORD_SIGN_IN:
            return None          # no password signs anyone in where passwords are off
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("organisation").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if (obj is None and user_obj.is_active and not user_obj.is_anonymous
                and not user_obj.is_superuser and not hasattr(user_obj, "_perm_cache")):
            user_obj.load_access()
        return super().get_all_permissions(user_obj, obj)
