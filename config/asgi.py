import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from manchette.core.asgi import build_application

application = build_application()
