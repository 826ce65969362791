from allauth.account.adapter import get_adapter
from django.conf import settings

from . import outbox
from .links import absolute_url
from .models import Invitation, OutboundEmail


def email_send(*, template_prefix: str, to: list[str], context: dict) -> OutboundEmail:
    """Render `<template_prefix>_subject.txt`, `_message.txt` and `_message.html` now and
    put the strings in the outbox, which the worker delivers after commit."""
    context = {"console_base_url": settings.CONSOLE_BASE_URL, **context}
    message = get_adapter().render_mail(template_prefix, to, context)
    return outbox.email_queue(message=message)


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
            "accept_url": absolute_url("accounts:invitation", token),
            "expires_at": invitation.expires_at,
        },
    )
