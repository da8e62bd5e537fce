import os

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not REDIS_URL:  # noqa: F405
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# One media folder per pytest-xdist worker: two workers never write the same file.
MEDIA_ROOT = VAR_DIR / f"test-media-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
AXES_ENABLED = False

# Each pytest-xdist worker gets its own Redis database (the URL's number plus the
# worker's), so that one worker's cache.clear() never empties another's.
if REDIS_URL:  # noqa: F405
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    from urllib.parse import urlsplit

    _url = urlsplit(REDIS_URL)  # noqa: F405
    _database = int(_url.path.strip("/") or 0) + int(_worker)
    CACHES["default"]["LOCATION"] = _url._replace(path=f"/{_database}").geturl()  # noqa: F405
