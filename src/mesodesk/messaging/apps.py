from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mesodesk.messaging"
    verbose_name = "Messaging"
