from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

# The admin logs in through the Console's own log-in page: the same rate limits (and, with
# MFA, the same second factor); a logged-in user who isn't staff gets 403.
admin.site.login = secure_admin_login(admin.site.login)
# The admin names the product, not Django: staff tell it apart from the Console at a glance.
admin.site.site_header = admin.site.site_title = "Console administration"
admin.site.index_title = "Overview"
# The lists are what staff read (a KYB's dates, the audit log's columns): the width goes to
# them, not to a second copy of the index beside them; the breadcrumbs lead back to it.
admin.site.enable_nav_sidebar = False
# Every admin view answers an id beyond 64 bits with a message (SQLite raised OverflowError).
_admin_view = admin.site.admin_view
admin.site.admin_view = lambda view, cacheable=False: _admin_view(
    views.out_of_range_ids_refused(view), cacheable
)

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("apps/", include("apps.urls")),
    path("apps/", include("sandbox.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("products.urls")),
    path("", include("kyb.urls")),
    path("analytics/", include("api.urls_analytics")),
    path("admin/", admin.site.urls),
]

handler404 = "console.views.page_not_found"
handler500 = "console.views.server_error"
