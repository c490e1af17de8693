"""Rate limits for anonymous endpoints (login, token exchange, and later the
customer portal), counted by django-ratelimit in the shared cache.

The cache is Redis when REDIS_URL is set (atomic counters, shared by every app
node) and the database cache otherwise (shared by every process; counts under
heavy concurrency are approximate, which a flood guard can live with).
django_ratelimit is deliberately not an installed app: its system check refuses
the database cache that single-machine installs use."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

RETRY_AFTER_HEADER = "Retry-After"
logger = logging.getLogger("kefu.ratelimit")


def rate_limit_hit(
    request: HttpRequest,
    *,
    group: str,
    rate: str,
    key: str = "ip",
    method: str | tuple[str, ...] = ALL,
) -> int | None:
    """Count this request against ``rate`` (e.g. "100/m") for ``group`` and
    ``key`` ("ip", "user", "post:username", …). None while under the limit;
    over it, the seconds until the window ends (for Retry-After)."""
    try:
        usage = get_usage(
            request, group=group, key=key, rate=rate, method=method, increment=True
        )
    except Exception:  # the cache is down: a flood guard fails open, and says so
        logger.warning("rate limit %s not counted: the cache is unavailable", group)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def rate_limited(
    *,
    group: str,
    rate: str | Callable[[], str],
    key: str = "ip",
    method: str | tuple[str, ...] = ALL,
):
    """A view decorator: over the limit, a 429 page with Retry-After instead."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            wait = rate_limit_hit(
                request,
                group=group,
                rate=rate() if callable(rate) else rate,
                key=key,
                method=method,
            )
            if wait is not None:
                response = render(request, "429.html", status=429)
                response[RETRY_AFTER_HEADER] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
