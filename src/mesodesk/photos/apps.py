from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "mesodesk.photos"
    verbose_name = "Photos"
