from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "manchette.newsletter"
    label = "newsletter"
