"""API: tokens and the current user."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import Throttled

from accounts.login import api_token_login
from accounts.permissions import user_capabilities, user_roles
from accounts.schemas import MeOut, TokenIn, TokenOut
from accounts.services import api_token_revoke
from core.errors import DomainError
from core.ratelimit import rate_limit_hit
from core.schema import ErrorOut

router = Router(tags=["auth"])


@router.post(
    "/auth/token", auth=None, response={201: TokenOut, 422: ErrorOut, 429: ErrorOut}
)
def create_token(request: HttpRequest, payload: TokenIn):
    """A token for a username and password (and the current code, for accounts
    with a second factor). Failures count towards the account's lockout."""
    wait = rate_limit_hit(request, group="login", rate=settings.KEFU_LOGIN_RATE)
    if wait is not None:
        raise Throttled(wait)
    key, token = api_token_login(
        request=request,
        username=payload.username,
        password=payload.password,
        otp=payload.otp,
    )
    return Status(201, {"token": key, "expires_at": token.expires_at})


@router.delete("/auth/token", response={204: None, 422: ErrorOut})
def revoke_token(request: HttpRequest):
    token = getattr(request, "api_token", None)
    if token is None:
        raise DomainError(
            _("当前请求没有使用令牌，无需吊销。"),
            field="authorization",
            code="no_token",
        )
    api_token_revoke(token=token, actor=request.auth, request=request)
    return Status(204, None)


@router.get("/me", response=MeOut)
def get_me(request: HttpRequest):
    user = request.auth
    return {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "department": user.department,
        "roles": sorted(user_roles(user)),
        "capabilities": sorted(user_capabilities(user)),
    }
