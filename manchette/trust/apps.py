from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "manchette.trust"
    label = "trust"
