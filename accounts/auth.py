"""API authentication: bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from accounts.services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str):
        found = api_token_authenticate(token)
        if found is None:
            return None
        user, api_token = found
        request.user = user
        request.api_token = api_token
        return user


class ActiveSessionAuth(SessionAuth):
    """The logged-in browser session; CSRF is checked on unsafe methods.

    Without a logged-in session there is nothing to check: the answer is 401,
    not a CSRF failure."""

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and user.is_active:
            request.api_token = None
            return user
        return None
