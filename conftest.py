"""Project-wide test set-up: Debian's Chromium for Playwright, demo accounts."""

import os

import pytest
from playwright.sync_api import expect

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + Playwright
# A page's answer waited for up to 10 s rather than 5: on a loaded machine (the other
# test worker running fifty logins in parallel) a request may stall for seconds.
expect.set_options(timeout=10_000)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 900},
        # No transitions: a click while a section is still unfolding landed on what
        # lay under the clipped button (Playwright sees the button itself as stable).
        "reduced_motion": "reduce",
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """The database of each test starts afresh, and so does the cache that holds
    what was read from it (lists of people, rate-limit counters)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _chinese_by_default():
    """Each test starts in Chinese, whatever language an earlier request activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def demo_accounts(db):
    """The departments and demo accounts of DESIGN §9, built by their demo step."""
    from accounts import demo
    from core.demo import DemoContext

    ctx = DemoContext.create()
    demo.build(ctx)
    return ctx.made["users"]
