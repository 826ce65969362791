"""The "Secure your account" link that every security notice carries.

The link holds a signed value (django.core.signing, with the SECRET_KEY) naming the account,
the address the notice went to and when it was made. It works for SECURE_LINK_DAYS days and
once: using it stamps User.secured_at, and a link made before that stamp is spent.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core import signing

from .models import User

SALT = "accounts.secure-link"
SECURE_LINK_DAYS = 7


@dataclass(frozen=True)
class SecureLink:
    user_id: int
    address: str
    issued_at: datetime


def secure_link_token(*, user: User, address: str) -> str:
    return signing.dumps({"u": user.pk, "a": address, "t": int(time.time())}, salt=SALT)


def secure_link_read(token: str) -> SecureLink | None:
    """The link's content, or None when it was tampered with, is malformed or too old."""
    try:
        data = signing.loads(token, salt=SALT)
        user_id, address, issued = int(data["u"]), str(data["a"]), int(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None
    if not 0 <= time.time() - issued <= SECURE_LINK_DAYS * 24 * 3600:
        return None
    return SecureLink(user_id, address, datetime.fromtimestamp(issued, tz=UTC))
