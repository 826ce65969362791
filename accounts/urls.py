from django.urls import path

from . import views
from .views import audit, invitations, secure, settings, team, two_factor

app_name = "accounts"

urlpatterns = [
    path("team/", team.team_index, name="team_index"),
    path("team/invite/", team.invitation_create, name="invitation_create"),
    path("team/invitations/<id:pk>/resend/", team.invitation_resend, name="invitation_resend"),
    path("team/invitations/<id:pk>/cancel/", team.invitation_cancel, name="invitation_cancel"),
    path("team/members/<id:pk>/role/", team.member_role_change, name="member_role_change"),
    path("team/members/<id:pk>/remove/", team.member_remove, name="member_remove"),
    path("team/leave/", team.membership_leave, name="membership_leave"),
    path("team/transfer/", team.ownership_transfer, name="ownership_transfer"),
    path("team/two-factor/", team.two_factor_requirement, name="two_factor_requirement"),
    path("team/delete/", team.organization_delete, name="organization_delete"),
    path("team/unused-secrets-email/", team.unused_secret_emails, name="unused_secret_emails"),
    path("team/organization/", team.organization_settings, name="organization_settings"),
    path("organizations/switch/", team.organization_switch, name="organization_switch"),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("settings/", settings.settings_index, name="settings_index"),
    path("settings/delete/", settings.account_delete, name="account_delete"),
    path("team/audit/", audit.audit_log, name="audit_log"),
    path("team/audit/export.csv", audit.audit_export, name="audit_export"),
    # Under allauth's two-factor pages (and before them in console/urls.py): the setup's end.
    path("accounts/2fa/continue/", two_factor.two_factor_continue, name="two_factor_continue"),
    path("accounts/secure/done/", secure.account_secure_done, name="account_secure_done"),
    path("accounts/secure/<str:token>/", secure.account_secure, name="account_secure"),
    path(
        "accounts/verification/resend/",
        views.resend_verification,
        name="resend_verification",
    ),
]
