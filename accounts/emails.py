from allauth.account.adapter import get_adapter
from django.conf import settings
from django.urls import reverse

from . import services
from .adapters import console_url
from .models import Invitation, Membership, Organization, OutboundEmail, Role


def email_send(*, template_prefix: str, to: list[str], context: dict) -> OutboundEmail:
    """Render `<template_prefix>_subject.txt`, `_message.txt` and `_message.html` now and
    put the strings in the outbox, which the worker delivers after commit."""
    context = {"console_base_url": settings.CONSOLE_BASE_URL, **context}
    message = get_adapter().render_mail(template_prefix, to, context)
    return services.email_queue(message=message)


def absolute_url(viewname: str, *args) -> str:
    """A link for an email: based on CONSOLE_BASE_URL, never on a request's Host header."""
    return console_url(reverse(viewname, args=args))


def managers_of(organization: Organization) -> list[str]:
    """The addresses that hear about the organization's production steps: owners and admins."""
    return list(
        Membership.objects.filter(organization=organization, role__in=[Role.OWNER, Role.ADMIN])
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def invitation_send(*, invitation: Invitation, token: str) -> OutboundEmail:
    """The invitation email; its link holds the token, which is stored only as a hash."""
    return email_send(
        template_prefix="account/email/invitation",
        to=[invitation.email],
        context={
            "invitation": invitation,
            "organization": invitation.organization,
            "inviter": invitation.invited_by,
            "role": invitation.get_role_display(),
            "accept_url": absolute_url("invitation", token),
            "expires_at": invitation.expires_at,
        },
    )
