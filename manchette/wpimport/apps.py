from django.apps import AppConfig


class WpimportConfig(AppConfig):
    name = "manchette.wpimport"
    label = "wpimport"
    verbose_name = "Import WordPress"
