from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    verbose_name = "Products"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the catalog cache to the catalog
