"""The login backend: Django's, with the person's department read in the same query
(every page of the shell shows it, and most rules look at it)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class KefuModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("department").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
