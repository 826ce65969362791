import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from . import encryption, outbox, services
from .links import console_url
from .secure_links import secure_link_token

logger = logging.getLogger(__name__)

EMAIL_MAX_LENGTH = 254  # RFC 5321's limit on a path, and the size of the email column

# Emails that anyone can make Console send to an address they type, and the hourly limit per
# address that each kind counts against (ACCOUNT_RATE_LIMITS).
CAPPED_EMAILS = {
    "account/email/password_reset_key": "console_email_password_reset",
    "account/email/unknown_account": "console_email_password_reset",
    "account/email/email_confirmation_signup": "console_email_verification",
    "account/email/email_confirmation": "console_email_verification",
    "account/email/account_already_exists": "console_email_verification",
}
# The address just verified, for the Log in page that follows (accounts.allauth_forms).
VERIFIED_EMAIL_KEY = "console_verified_email"
# The sign-up's "Confirmation email sent to …" would appear for a new address and not for a
# registered one whose email was just sent; the page that follows says it for both.
SIGNUP_SENT_MESSAGE = "account/messages/email_confirmation_sent.txt"


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        """Refuse what does not fit: allauth's form takes 320 characters, then cuts the
        address silently to the column's 254 and mails the verification to another one."""
        email = super().clean_email(email)
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                f"Ensure this email address has at most {EMAIL_MAX_LENGTH} characters "
                f"(it has {len(email)})."
            )
        return email

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the request (allauth's context is not serialisable), queue the strings."""
        context = {"console_base_url": settings.CONSOLE_BASE_URL, "email": email, **context}
        for key in ("activate_url", "password_reset_url", "signup_url"):
            if key in context:
                context[key] = console_url(context[key])
        message = self.render_mail(template_prefix, email, context)
        limit = CAPPED_EMAILS.get(template_prefix)
        # Rendered either way, so a refused email takes the time of a sent one.
        if limit and self.request and not ratelimit.consume(self.request, action=limit, key=email):
            logger.info("Not sent: %s, past the hourly limit of its address.", template_prefix)
            return
        outbox.email_queue(message=message)

    def add_message(self, request, level, message_template=None, message_context=None, **kw):
        if message_template == SIGNUP_SENT_MESSAGE and (message_context or {}).get("signup"):
            return
        super().add_message(request, level, message_template, message_context, **kw)

    def confirm_email(self, request: HttpRequest, email_address) -> bool:
        """Whoever verifies an address keeps it: the other accounts' unverified claims on it go
        (services.email_address_claim), and the owners of dropped email changes are told."""
        if (
            EmailAddress.objects.filter(email__iexact=email_address.email, verified=True)
            .exclude(user_id=email_address.user_id)
            .exists()
        ):
            return super().confirm_email(request, email_address)  # allauth refuses it
        dropped = services.email_address_claim(email_address=email_address)
        for user in dropped:
            self.send_notification_mail(
                "account/email/email_change_cancelled",
                user,
                {"cancelled_email": email_address.email},
            )
        return super().confirm_email(request, email_address)

    def send_notification_mail(
        self, template_prefix: str, user, context: dict | None = None, email: str | None = None
    ) -> None:
        """allauth's security notices (ACCOUNT_EMAIL_NOTIFICATIONS), each with a link that
        secures the account for the address it goes to (accounts.secure_links)."""
        email = email or EmailAddress.objects.get_primary_email(user) or user.email
        token = secure_link_token(user=user, address=email)
        secure_url = console_url(reverse("accounts:account_secure", args=[token]))
        context = {**(context or {}), "secure_url": secure_url}
        super().send_notification_mail(template_prefix, user, context, email=email)

    def get_email_verification_redirect_url(self, email_address) -> str:
        """After following the sign-up link, the Log in page has the address typed in."""
        if not self.request.user.is_authenticated:
            self.request.session[VERIFIED_EMAIL_KEY] = email_address.email
        return super().get_email_verification_redirect_url(email_address)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return console_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation) -> str:
        return console_url(super().get_email_confirmation_url(request, emailconfirmation))

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:settings_index")


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted (accounts.encryption), so a
    copy of the database alone can't produce anyone's codes."""

    def encrypt(self, text: str) -> str:
        return encryption.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return encryption.decrypt(encrypted_text)

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """The name a browser shows when it asks for a security key or passkey: the product's,
        not the host's."""
        return {**super().get_public_key_credential_rp_entity(), "name": settings.MFA_TOTP_ISSUER}
