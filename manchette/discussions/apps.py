from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "manchette.discussions"
    label = "discussions"
