"""One-time keys in paths never reach a log line."""

import logging

import pytest

from accounts.log_filters import RedactKeyedPaths

KEY = "Zx81-secret-key-value_0123456789abcdef"


@pytest.mark.parametrize(
    "path",
    [
        f"/invitations/{KEY}/",
        f"/accounts/confirm-email/{KEY}/",
        f"/accounts/password/reset/key/1a-{KEY}/",
    ],
)
def test_a_keyed_path_is_logged_without_its_key(path):
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"GET %s HTTP/1.1" %s', (path, 200), None
    )
    assert RedactKeyedPaths().filter(record)
    message = record.getMessage()
    assert (KEY in message) is False
    assert "[redacted]" in message


def test_other_paths_are_logged_as_they_are():
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"GET %s" %s', ("/apps/", 200), None
    )
    RedactKeyedPaths().filter(record)
    assert record.getMessage() == '"GET /apps/" 200'


def test_runserver_request_lines_and_errors_go_through_the_redacting_handler():
    for name in ("django.server", ""):
        handlers = logging.getLogger(name).handlers
        assert any(isinstance(f, RedactKeyedPaths) for h in handlers for f in h.filters), name
