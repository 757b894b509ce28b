"""Test settings: the real settings plus what a test run must not depend on (a secret key)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdef")

from dashboard.settings import *  # noqa: E402, F403
from dashboard.settings import STORAGES  # noqa: E402

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_COOKIES = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
REVIEW_IN_BACKGROUND = False
# Serve static files from the source folders, as in development: no collectstatic in tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests run tasks in-process; the end-to-end test switches to the real broker and worker.
CELERY_TASK_ALWAYS_EAGER = True

# A file, not ":memory:": the live server used by browser tests then opens and closes its
# own connections instead of sharing (and leaking) the test thread's in-memory one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"reviewer-test-{os.getpid()}.sqlite3")  # noqa: F405
    }
