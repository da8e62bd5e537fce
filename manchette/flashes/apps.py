from django.apps import AppConfig


class FlashesConfig(AppConfig):
    name = "manchette.flashes"
    label = "flashes"
