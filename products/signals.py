"""The catalog cache follows the catalog: a saved or deleted product (the admin, a migration,
the shell, a queryset's delete) makes this process read the scopes again once the change is
visible to it, as django.contrib.sites clears its cache of sites."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import selectors
from .models import Product


@receiver(post_save, sender=Product, dispatch_uid="products_catalog_saved")
@receiver(post_delete, sender=Product, dispatch_uid="products_catalog_deleted")
def catalog_changed(**kwargs) -> None:
    transaction.on_commit(selectors.forget_catalog)
