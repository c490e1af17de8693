"""Per request, for logged-in browser sessions: the idle and absolute limits (and
sessions ended elsewhere), and a password that must be changed first."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.passwords import password_expired
from accounts.sessions import user_session_check


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        ended, policy = user_session_check(request)
        if ended is not None:
            logout(request)
            if request.path_info.startswith("/api/"):
                return self.get_response(request)  # 401 unless a token is sent
            return self._to_login(request, ended)
        if password_expired(user, policy) and not self._may_pass(request):
            if request.path_info.startswith("/api/"):
                message = _("密码已过期，请先在网页上修改密码。")
                return JsonResponse(
                    {
                        "detail": message,
                        "errors": [
                            {
                                "field": None,
                                "message": message,
                                "code": "password_expired",
                            }
                        ],
                    },
                    status=403,
                    json_dumps_params={"ensure_ascii": False},
                )
            return redirect("accounts:password_change")
        return self.get_response(request)

    @staticmethod
    def _may_pass(request: HttpRequest) -> bool:
        return request.path_info in {
            reverse("accounts:password_change"),
            reverse("accounts:logout"),
            reverse("set_language"),
        }

    @staticmethod
    def _to_login(request: HttpRequest, reason: str) -> HttpResponse:
        """To the login page, which says why; htmx requests are told to go there."""
        htmx = request.headers.get("HX-Request") == "true"
        query = {"reason": reason}
        if request.method == "GET" and not htmx:
            query["next"] = request.get_full_path()
        url = f"{reverse('accounts:login')}?{urlencode(query)}"
        if htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
