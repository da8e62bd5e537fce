from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "manchette.core"
    label = "core"
