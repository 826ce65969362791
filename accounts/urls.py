from django.urls import include, path

from . import views

# Each area of the account and team pages keeps its routes beside its views.
urlpatterns = [
    path("", views.home, name="home"),
    path("", include("accounts.views.team")),
    path("", include("accounts.views.invitations")),
    path("", include("accounts.views.settings")),
    path("", include("accounts.views.audit")),
    path(
        "accounts/verification/resend/",
        views.resend_verification,
        name="account_resend_verification",
    ),
]
