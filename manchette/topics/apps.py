from django.apps import AppConfig


class TopicsConfig(AppConfig):
    name = "manchette.topics"
    label = "topics"
