"""KYB documents are judged by their bytes, never by their file name or the browser's
Content-Type: only a whole PDF, PNG or JPEG of at most 10 MB, with nothing appended, is accepted.
"""

import struct
import unicodedata
import zlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ACCEPTED = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

READ_CHUNK_BYTES = 64 * 1024
# Browsers sniff the first bytes for markup and may render a "PDF" as a page that runs script.
# (Not `<?xml`: XMP metadata near the start of real PDFs and photos may carry it.)
SNIFF_WINDOW = 1024
MARKUP = (b"<html", b"<script", b"<!doctype", b"<svg", b"<body", b"<iframe")

PDF_HEADERS = (b"%PDF-1.", b"%PDF-2.")
PDF_EOF = b"%%EOF"
PDF_TRAILING_WHITESPACE = b"\r\n \t\0"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8\xff"
JPEG_EOI = b"\xff\xd9"

MESSAGES = {
    "empty": "This file is empty.",
    "too_large": "This file is larger than 10 MB.",
    "type": "Upload a PDF, PNG or JPEG file; this file is none of them.",
    "damaged": "This file is damaged or incomplete; export it again and upload the new copy.",
    "trailing_data": (
        "This file has extra data after its end; export it again and upload the new copy."
    ),
    "markup": "This file contains web page code; upload a plain PDF, PNG or JPEG.",
}


MAX_DISPLAY_NAME = 120
# Unicode categories never shown from a file name: controls, format characters (the
# right-to-left override that turns "fdp.exe" into "exe.pdf", zero-width joiners), line and
# paragraph separators, surrogates, private use and unassigned code points.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def display_name(name: str | None) -> str:
    """The uploader's file name as it may be shown: its last path part, in NFC, without
    invisible or reordering characters, whitespace collapsed, at most MAX_DISPLAY_NAME
    characters (the extension kept). Empty when nothing printable is left. Templates escape it;
    it is never used as a path or a download name."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if unicodedata.category(char) not in HIDDEN_CATEGORIES or char.isspace()
    )
    name = " ".join(name.split()).strip(". ")
    if len(name) <= MAX_DISPLAY_NAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        return name[: MAX_DISPLAY_NAME - 1].rstrip() + "…"
    keep = MAX_DISPLAY_NAME - len(extension) - 2
    return f"{stem[:keep].rstrip()}….{extension}"


def _refuse(code: str) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code)


def read_document(upload: UploadedFile) -> tuple[bytes, str]:
    """Reads at most MAX_DOCUMENT_BYTES + 1 bytes, so a huge upload is refused without being
    held in memory, and returns the bytes with the content type sniffed from them."""
    if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
        raise _refuse("too_large")
    if upload.seekable():
        upload.seek(0)
    limit = MAX_DOCUMENT_BYTES + 1
    parts: list[bytes] = []
    total = 0
    while total < limit:
        part = upload.read(min(READ_CHUNK_BYTES, limit - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    data = b"".join(parts)
    return data, sniff(data)


def sniff(data: bytes) -> str:
    if not data:
        raise _refuse("empty")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _refuse("too_large")
    if data.startswith(PDF_HEADERS):
        _check_pdf(data)
        content_type = "application/pdf"
    elif data.startswith(PNG_SIGNATURE):
        _check_png(data)
        content_type = "image/png"
    elif data.startswith(JPEG_SOI):
        _check_jpeg(data)
        content_type = "image/jpeg"
    else:
        raise _refuse("type")
    head = data[:SNIFF_WINDOW].lower()
    if any(tag in head for tag in MARKUP):
        raise _refuse("markup")
    return content_type


def _check_pdf(data: bytes) -> None:
    end = data.rfind(PDF_EOF)
    if end == -1:
        raise _refuse("damaged")
    after = data[end + len(PDF_EOF) :]
    if after.strip(PDF_TRAILING_WHITESPACE) or len(data) - end > SNIFF_WINDOW:
        raise _refuse("trailing_data")


def _check_png(data: bytes) -> None:
    position = len(PNG_SIGNATURE)
    first = True
    while True:
        if position + 8 > len(data):
            raise _refuse("damaged")
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        crc_at = position + 8 + length
        if crc_at + 4 > len(data):
            raise _refuse("damaged")
        (crc,) = struct.unpack(">I", data[crc_at : crc_at + 4])
        if zlib.crc32(data[position + 4 : crc_at]) != crc:
            raise _refuse("damaged")
        if first and (kind != b"IHDR" or length != 13):
            raise _refuse("damaged")
        first = False
        position = crc_at + 4
        if kind == b"IEND":
            break
    if position != len(data):
        raise _refuse("trailing_data")


def _check_jpeg(data: bytes) -> None:
    if data.endswith(JPEG_EOI):
        return
    # An end marker followed by more bytes means something was appended; no end marker at all
    # means the file was cut short. An embedded EXIF thumbnail can blur the two, but both refuse.
    if JPEG_EOI in data[len(JPEG_SOI) :]:
        raise _refuse("trailing_data")
    raise _refuse("damaged")


# A request body bigger than this can't be one document and its form's fields.
MAX_UPLOAD_REQUEST_BYTES = MAX_DOCUMENT_BYTES + 64 * 1024


class OversizedFileSkipper(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: a file that grows past MAX_UPLOAD_REQUEST_BYTES is
    dropped as it streams in, before the next handlers keep it in memory or on disk.

    Django parses the body before any view runs (the CSRF check reads it), so this is where a
    1 GB upload is stopped from filling the disk; the view then tells the user the file is
    larger than 10 MB (it sees the request's Content-Length).
    """

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_UPLOAD_REQUEST_BYTES:
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
