"""Django's password backend, reading a signed-in user with their organisation in one query:
every page's header names the organisation, which would otherwise be a second query a request.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("organisation").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
