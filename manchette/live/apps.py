from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "manchette.live"
    label = "live"
