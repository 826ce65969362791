from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("apps/", include("apps.urls")),
    path("api/v1/", include("api.urls")),
    path("products/", views.coming_soon, {"section": "products"}, name="products_index"),
    path("analytics/", include("api.urls_analytics")),
    path("team/", views.coming_soon, {"section": "team"}, name="team_index"),
    path("settings/", views.coming_soon, {"section": "settings"}, name="settings_index"),
    path("admin/", admin.site.urls),
]

handler404 = "console.views.page_not_found"
handler500 = "console.views.server_error"
