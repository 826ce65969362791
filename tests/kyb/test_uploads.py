"""KYB documents: a whole PDF, PNG or JPEG of at most 10 MB, judged by its bytes alone."""

import re
import struct

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from kyb.uploads import MAX_DOCUMENT_BYTES, read_document, sniff
from tests.kyb import files

EMPTY = "This file is empty."
TOO_LARGE = "This file is larger than 10 MB."
WRONG_TYPE = "Upload a PDF, PNG or JPEG file; this file is none of them."
DAMAGED = "This file is damaged or incomplete; export it again and upload the new copy."
TRAILING = "This file has extra data after its end; export it again and upload the new copy."
MARKUP = "This file contains web page code; upload a plain PDF, PNG or JPEG."


def refusal(name: str, data: bytes, content_type: str = "application/pdf") -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        read_document(files.upload(name, data, content_type))
    return refused.value


def assert_refused(error: ValidationError, code: str, message: str) -> None:
    assert error.code == code
    assert error.messages == [message]


class CountingStream:
    """An endless PDF-looking stream that fails the test if asked for more than `allowed` bytes."""

    closed = False

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.served = 0
        self.head = files.pdf()[:9]

    def read(self, size: int = -1) -> bytes:
        assert size >= 0, "read the whole stream"
        assert self.served + size <= self.allowed, "read past the limit"
        data = (self.head[self.served :] + b"0" * size)[:size]
        self.served += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        assert (offset, whence) == (0, 0)
        self.served = 0
        return 0

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.served


# Accepted


def test_it_accepts_a_valid_pdf():
    data = files.pdf()
    assert read_document(files.upload("statement.pdf", data)) == (data, "application/pdf")


def test_it_accepts_exactly_10_mb_of_a_valid_pdf():
    data = files.pdf(MAX_DOCUMENT_BYTES)
    assert len(data) == 10 * 1024 * 1024
    assert read_document(files.upload("statement.pdf", data)) == (data, "application/pdf")


def test_it_accepts_a_png():
    data = files.png()
    upload = files.upload("address.png", data, "image/png")
    assert read_document(upload) == (data, "image/png")


def test_it_accepts_a_jpeg():
    data = files.jpeg()
    upload = files.upload("director.jpg", data, "image/jpeg")
    assert read_document(upload) == (data, "image/jpeg")


def test_it_accepts_a_pdf_2_header():
    assert sniff(files.pdf().replace(b"%PDF-1.4", b"%PDF-2.0", 1)) == "application/pdf"


@pytest.mark.parametrize("tail", [b"\r\n", b"\n\n", b" ", b"\t", b"\0\0"])
def test_it_tolerates_whitespace_after_the_pdf_eof_marker(tail):
    assert sniff(files.pdf() + tail) == "application/pdf"


def test_it_judges_by_bytes_when_the_name_and_content_type_lie_the_other_way():
    upload = files.upload("scan.exe", files.png(), "application/x-msdownload")
    assert read_document(upload) == (files.png(), "image/png")


def test_it_reads_from_the_start_even_if_the_upload_was_already_read():
    upload = files.upload("statement.pdf", files.pdf())
    upload.read(100)
    assert read_document(upload) == (files.pdf(), "application/pdf")


# Size


def test_it_refuses_an_empty_file():
    assert_refused(refusal("statement.pdf", b""), "empty", EMPTY)


def test_it_refuses_10_mb_and_one_byte():
    error = refusal("statement.pdf", files.pdf(MAX_DOCUMENT_BYTES + 1))
    assert_refused(error, "too_large", TOO_LARGE)


def test_sniff_refuses_10_mb_and_one_byte_too():
    with pytest.raises(ValidationError) as refused:
        sniff(files.pdf(MAX_DOCUMENT_BYTES + 1))
    assert_refused(refused.value, "too_large", TOO_LARGE)


def test_it_does_not_read_more_than_10_mb_and_one_byte_of_a_huge_stream():
    # The stream is endless and the upload claims to be small, so only the read limit stops it.
    stream = CountingStream(allowed=MAX_DOCUMENT_BYTES + 1)
    upload = UploadedFile(stream, name="statement.pdf", content_type="application/pdf", size=1)
    with pytest.raises(ValidationError) as refused:
        read_document(upload)
    assert_refused(refused.value, "too_large", TOO_LARGE)
    assert stream.served == MAX_DOCUMENT_BYTES + 1


def test_it_refuses_an_upload_whose_size_is_too_large_without_reading_it():
    stream = CountingStream(allowed=0)
    upload = UploadedFile(
        stream, name="statement.pdf", content_type="application/pdf", size=MAX_DOCUMENT_BYTES + 1
    )
    with pytest.raises(ValidationError) as refused:
        read_document(upload)
    assert_refused(refused.value, "too_large", TOO_LARGE)
    assert stream.served == 0


# Not a document, whatever the name or content type says


def test_it_refuses_a_renamed_exe():
    assert_refused(refusal("statement.pdf", files.exe()), "type", WRONG_TYPE)


def test_it_refuses_an_exe_sent_as_an_image():
    assert_refused(refusal("director.jpg", files.exe(), "image/jpeg"), "type", WRONG_TYPE)


def test_it_refuses_an_html_file_named_pdf():
    assert_refused(refusal("statement.pdf", files.html()), "type", WRONG_TYPE)


def test_it_refuses_an_svg():
    assert_refused(refusal("logo.svg", files.svg(), "image/svg+xml"), "type", WRONG_TYPE)


def test_it_refuses_an_svg_named_png():
    assert_refused(refusal("address.png", files.svg(), "image/png"), "type", WRONG_TYPE)


def test_it_refuses_a_zip():
    assert_refused(refusal("statement.pdf", files.zip_file()), "type", WRONG_TYPE)


def test_it_refuses_plain_text():
    assert_refused(refusal("statement.pdf", b"Balance: 100 EUR\n"), "type", WRONG_TYPE)


def test_it_refuses_a_pdf_whose_header_is_not_at_byte_0():
    assert_refused(refusal("statement.pdf", b"\n" + files.pdf()), "type", WRONG_TYPE)
    assert_refused(refusal("statement.pdf", b"<html>" + files.pdf()), "type", WRONG_TYPE)


def test_it_refuses_an_unknown_pdf_version():
    data = files.pdf().replace(b"%PDF-1.4", b"%PDF-9.0", 1)
    assert_refused(refusal("statement.pdf", data), "type", WRONG_TYPE)


# Polyglots and appended data


def test_it_refuses_a_png_with_html_appended():
    error = refusal("address.png", files.png_with_html(), "image/png")
    assert_refused(error, "trailing_data", TRAILING)


def test_it_refuses_a_png_with_a_single_byte_appended():
    assert_refused(
        refusal("address.png", files.png() + b"\n", "image/png"), "trailing_data", TRAILING
    )


def test_it_refuses_a_pdf_with_html_appended_after_eof():
    data = files.pdf() + b"<html><script>alert(1)</script></html>"
    assert_refused(refusal("statement.pdf", data), "trailing_data", TRAILING)


def test_it_refuses_a_pdf_with_a_kilobyte_of_padding_after_eof():
    data = files.pdf() + b" " * 1024
    assert_refused(refusal("statement.pdf", data), "trailing_data", TRAILING)


def test_it_refuses_a_jpeg_with_anything_after_its_end_marker():
    for tail in (b"\n", b"<html></html>"):
        error = refusal("director.jpg", files.jpeg() + tail, "image/jpeg")
        assert_refused(error, "trailing_data", TRAILING)


@pytest.mark.parametrize("tag", [b"<script>", b"<HTML>", b"<iframe src=x>", b"<Body>"])
def test_it_refuses_markup_in_the_first_kilobyte_of_a_pdf(tag):
    data = files.pdf().replace(b"%\xe2\xe3\xcf\xd3\n", b"%" + tag + b"\n", 1)
    assert_refused(refusal("statement.pdf", data), "markup", MARKUP)


def test_it_refuses_markup_in_a_png_text_chunk():
    png = files.png()
    text = files.png_chunk(b"tEXt", b"Comment\x00<svg onload=alert(1)>")
    data = png[:33] + text + png[33:]  # right after the signature and IHDR
    assert_refused(refusal("address.png", data, "image/png"), "markup", MARKUP)


# Damaged


def test_it_refuses_a_png_with_a_broken_crc():
    data = bytearray(files.png())
    data[29] ^= 0xFF  # the first byte of IHDR's CRC
    assert_refused(refusal("address.png", bytes(data), "image/png"), "damaged", DAMAGED)


def test_it_refuses_a_png_whose_header_was_changed_under_its_crc():
    data = bytearray(files.png())
    data[16] ^= 0x01  # IHDR width
    assert_refused(refusal("address.png", bytes(data), "image/png"), "damaged", DAMAGED)


@pytest.mark.parametrize("cut", [8, 12, 20, 33, 40, -12, -1])
def test_it_refuses_a_truncated_png(cut):
    error = refusal("address.png", files.png()[:cut], "image/png")
    assert_refused(error, "damaged", DAMAGED)


def test_it_refuses_a_png_whose_chunk_length_runs_past_the_data():
    data = bytearray(files.png())
    data[33:37] = struct.pack(">I", 0xFFFFFFFF)  # IDAT's length
    assert_refused(refusal("address.png", bytes(data), "image/png"), "damaged", DAMAGED)


def test_it_refuses_a_png_that_does_not_start_with_ihdr():
    png = files.png()
    data = png[:8] + files.png_chunk(b"tEXt", b"a\x00b") + png[8:]
    assert_refused(refusal("address.png", data, "image/png"), "damaged", DAMAGED)


def test_it_refuses_a_truncated_pdf():
    data = files.pdf()[:-20]
    assert_refused(refusal("statement.pdf", data), "damaged", DAMAGED)


def test_it_refuses_a_truncated_jpeg():
    error = refusal("director.jpg", files.jpeg()[:-2], "image/jpeg")
    assert_refused(error, "damaged", DAMAGED)


# The sample files themselves


def test_the_sample_pdf_is_exactly_the_size_asked_for_and_its_xref_points_at_its_objects():
    for size in (None, 400, 401, 402, 4096, 100_000):
        data = files.pdf(size)
        assert size is None or len(data) == size
        xref_at = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))
        assert data[xref_at:].startswith(b"xref\n")
        offsets = re.findall(rb"(\d{10}) 00000 n ", data[xref_at:])
        for number, offset in enumerate(offsets, start=1):
            assert data[int(offset) :].startswith(b"%d 0 obj\n" % number)
