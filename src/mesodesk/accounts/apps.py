from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mesodesk.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from mesodesk.accounts import receivers  # noqa: F401 - connects the receivers
