from django.apps import AppConfig


class ReactionsConfig(AppConfig):
    name = "manchette.reactions"
    label = "reactions"
