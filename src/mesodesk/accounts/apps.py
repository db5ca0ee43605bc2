from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mesodesk.accounts"
    verbose_name = "Accounts"
