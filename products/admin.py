from django.contrib import admin

from .models import Product, ProductionGrant


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ProductionGrant)
class ProductionGrantAdmin(admin.ModelAdmin):
    """Read-only here: grants are written by the KYB review."""

    list_display = ["organization", "product", "granted_at"]
    list_select_related = ["organization", "product"]
    readonly_fields = ["organization", "product", "granted_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
