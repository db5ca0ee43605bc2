from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mesodesk.messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # Registers the deployment check that text messages really go out.
        from mesodesk.messaging import delivery  # noqa: F401
