from django.apps import AppConfig


class KybConfig(AppConfig):
    name = "kyb"
    verbose_name = "KYB"
