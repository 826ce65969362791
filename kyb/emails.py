from django.conf import settings

from accounts.emails import email_send
from accounts.links import absolute_url
from accounts.selectors import managers_of

from .models import KybStatus, KybSubmission, ProductionAccessRequest


def kyb_submitted(*, submission: KybSubmission) -> None:
    """Tell the organization its KYB is with our team, and the team that it is waiting."""
    organization = submission.organization
    context = {
        "submission": submission,
        "organization": organization,
        "products": [access.product for access in organization.access_requests.all()],
        "kyb_url": absolute_url("kyb:kyb"),
        "admin_url": absolute_url("admin:kyb_kybsubmission_change", submission.pk),
    }
    recipients = managers_of(organization)
    if recipients:
        email_send(template_prefix="kyb/email/kyb_submitted", to=recipients, context=context)
    email_send(
        template_prefix="kyb/email/kyb_review_waiting",
        to=[settings.CONSOLE_KYB_REVIEW_EMAIL],
        context=context,
    )


TEMPLATES = {
    KybStatus.APPROVED: "kyb/email/kyb_approved",
    KybStatus.CHANGES_REQUESTED: "kyb/email/kyb_changes_requested",
    KybStatus.REJECTED: "kyb/email/kyb_rejected",
}


def kyb_decided(*, submission: KybSubmission) -> None:
    organization = submission.organization
    recipients = managers_of(organization)
    if not recipients:
        return
    context = {
        "submission": submission,
        "organization": organization,
        "note": submission.reviewer_note,
        # The products that followed this decision share its status's value.
        "products": [
            access.product
            for access in organization.access_requests.select_related("product").filter(
                status=submission.status
            )
        ],
        "kyb_url": absolute_url("kyb:kyb"),
        "products_url": absolute_url("kyb:products"),
    }
    email_send(template_prefix=TEMPLATES[submission.status], to=recipients, context=context)


def production_access_decided(*, access: ProductionAccessRequest, note: str) -> None:
    recipients = managers_of(access.organization)
    if not recipients:
        return
    context = {
        "access": access,
        "organization": access.organization,
        "product": access.product,
        "note": note,
        "products_url": absolute_url("kyb:products"),
    }
    email_send(
        template_prefix="kyb/email/production_access_decided", to=recipients, context=context
    )
