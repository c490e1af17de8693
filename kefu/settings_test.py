"""Settings for the test suite: the same app, faster hashing, jobs run inline."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault(
    "KEFU_DATA_DIR", str(Path(tempfile.gettempdir()) / f"kefu-test-{os.getpid()}")
)

from kefu.settings import *  # noqa: E402,F403
from kefu.settings import DATABASES, HUEY  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = 1  # tests that send mail start their own SMTP server and override this
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": None}
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [*INSTALLED_APPS, "core.tests.testapp"]  # noqa: F405
# Many logins from 127.0.0.1 in one minute: rate-limit tests switch it on themselves.
RATELIMIT_ENABLE = False
# Transactional tests empty every table after each test; the audit tables' database
# guard (which refuses that in production) is lifted for the flush and put back.
KEFU_AUDIT_GUARD_LIFT_ON_FLUSH = True
