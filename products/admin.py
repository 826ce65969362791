from django.contrib import admin

from accounts.admin_mixins import RefusesWrites

from .models import Product, ProductionGrant


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ProductionGrant)
class ProductionGrantAdmin(RefusesWrites, admin.ModelAdmin):
    """Read-only here: grants are written by the KYB review."""

    list_display = ["organization", "product", "granted_at"]
    list_select_related = ["organization", "product"]
    readonly_fields = ["organization", "product", "granted_at"]
    refuses = frozenset({"add", "change"})
