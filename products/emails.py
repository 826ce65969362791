from accounts.emails import email_send
from accounts.links import absolute_url

from .models import SalesContact


def sales_contact_received(*, contact: SalesContact, sales_email: str) -> None:
    """One email to the sales team with the lead, one to the sender to say it arrived.

    The receipt goes to the sender's verified account address, not to the typed work email:
    the form must not let anyone make Console email an address of their choosing."""
    context = {
        "contact": contact,
        "products": list(contact.products.all()),
        "organization": contact.organization,
        "go_live_url": absolute_url("kyb:go_live"),
    }
    email_send(template_prefix="products/email/sales_lead", to=[sales_email], context=context)
    if contact.sent_by is not None:
        email_send(
            template_prefix="products/email/sales_contact_received",
            to=[contact.sent_by.email],
            context=context,
        )
