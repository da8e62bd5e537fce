from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "manchette.accounts"
    label = "accounts"
