"""An oversized upload is dropped as it streams in, and the user reads why."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.urls import reverse

from kyb.models import KybDocument
from kyb.uploads import MAX_UPLOAD_REQUEST_BYTES, OversizedFileSkipper
from tests.kyb import files
from tests.kyb.conftest import request_access


def test_the_handler_passes_a_document_on_and_drops_a_file_past_the_limit():
    handler = OversizedFileSkipper()
    handler.new_file("file", "a.pdf", "application/pdf", None)
    chunk = b"x" * (1024 * 1024)
    for start in range(0, MAX_UPLOAD_REQUEST_BYTES - len(chunk), len(chunk)):
        assert handler.receive_data_chunk(chunk, start) is chunk
    with pytest.raises(SkipFile):
        for start in range(MAX_UPLOAD_REQUEST_BYTES, 2 * MAX_UPLOAD_REQUEST_BYTES, len(chunk)):
            handler.receive_data_chunk(chunk, start)


def test_a_20_mb_upload_is_refused_with_the_size_message_and_nothing_kept(
    alice_client, alice, catalog
):
    request_access(alice)
    huge = files.pdf(20 * 1024 * 1024)
    response = alice_client.post(
        reverse("kyb:documents"),
        {"kind": "incorporation", "file": SimpleUploadedFile("big.pdf", huge, "application/pdf")},
    )
    assert response.status_code == 413
    assert "This file is larger than 10 MB." in response.content.decode()
    assert not KybDocument.objects.exists()
