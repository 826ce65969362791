import logging
import re

# Paths whose last part is a one-time key: an invitation, an email confirmation, a password
# reset, a "secure your account" link. A request line or an error report that names one would
# put the key in the logs.
KEYED_PATH = re.compile(
    r"(/invitations/|/accounts/confirm-email/|/accounts/password/reset/key/|/accounts/secure/)"
    r"(?!done/)[^/\s\"'?]+"
)


class RedactKeyedPaths(logging.Filter):
    """Replace the key of a keyed path with [redacted] in any record that mentions one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = KEYED_PATH.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
