"""Settings for the test suite: the same as local mode, tasks run in-process."""

import os
import tempfile

os.environ.setdefault("ZHILIANG_DATA_DIR", tempfile.mkdtemp(prefix="zhiliang-test-"))
os.environ.setdefault("ZHILIANG_MODE", "test")

from .settings import *  # noqa: E402,F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The suite makes many API calls per minute from one address: no throttling in tests.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"}}  # noqa: F405

INSTALLED_APPS = [*INSTALLED_APPS, "zhiliang.testing.testapp"]  # noqa: F405
ROOT_URLCONF = "zhiliang.urls_test"

# SQLite test databases live in a file (not shared-cache memory), so that tests with threads
# meet SQLite's real locking — writers wait on the busy timeout, as in production — instead
# of shared-cache "table is locked" errors.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
