from django.apps import AppConfig


class AudienceConfig(AppConfig):
    name = "manchette.audience"
    label = "audience"
