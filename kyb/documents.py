"""KYB documents: checked, encrypted and stored under a server-made name; the sweep of files
an aborted upload left behind; and encrypting every KYB secret again with the newest key.

A document's bytes never touch the database: the row names the stored file, and the file is
written before the row, removed if the row isn't written (kyb_document_add), and removed after
the row is gone once its transaction commits (kyb_document_remove).
"""

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts import encryption
from accounts.models import Organization, User
from products.models import GoLiveStep

from . import gate, services, uploads
from .models import BeneficialOwner, DocumentKind, KybDocument, KybSubmission

MAX_DOCUMENTS = 10


def _storage():
    return storages["kyb"]


def kyb_document_add(
    *, organization: Organization, uploaded_by: User | None, kind: str, upload: UploadedFile
) -> KybDocument:
    """Check the bytes, encrypt them, store them under a server-made name, record the row.

    The file is written before the row; if the row can't be written the file is removed, and
    a file is never left behind for a row that exists.
    """
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "Choose which document this is."})
    gate.require(organization, GoLiveStep.KYB)  # before reading: the missing step comes first
    data, content_type = uploads.read_document(upload)
    with transaction.atomic():
        submission = services.editable_submission(Organization.objects.lock(organization))
        if submission.documents.count() >= MAX_DOCUMENTS:
            raise ValidationError(
                f"A KYB holds at most {MAX_DOCUMENTS} documents. Remove one to add another.",
                code="too_many",
            )
        name = _storage().save(
            f"{uuid.uuid4().hex}.bin", ContentFile(encryption.encrypt_bytes(data))
        )
        try:
            return KybDocument.objects.create(
                submission=submission,
                kind=kind,
                content_type=content_type,
                size=len(data),
                storage_name=name,
                original_name=uploads.display_name(upload.name),
                uploaded_by=uploaded_by,
            )
        except BaseException:
            _storage().delete(name)
            raise


def kyb_document_remove(*, organization: Organization, document_id: str) -> None:
    with transaction.atomic():
        submission = services.editable_submission(Organization.objects.lock(organization))
        document = submission.documents.filter(pk=document_id).first()
        if document is None:
            return
        document.delete()
        name = document.storage_name
        transaction.on_commit(lambda: _storage().delete(name))


def kyb_document_read(*, document: KybDocument) -> bytes:
    with _storage().open(document.storage_name, "rb") as handle:
        return encryption.decrypt_bytes(handle.read())


# --- Keeping the encrypted store tidy --------------------------------------------------------


def kyb_storage_sweep(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored files that no document row names: left by an upload whose transaction
    rolled back after the file was written. Young files are spared (their row may be about to
    commit). Returns how many were deleted."""
    storage = _storage()
    try:
        _, names = storage.listdir("")
    except FileNotFoundError:
        return 0
    known = set(
        KybDocument.objects.filter(storage_name__in=names).values_list("storage_name", flat=True)
    )
    cutoff = timezone.now() - older_than
    deleted = 0
    for name in names:
        if name not in known and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted += 1
    return deleted


def kyb_reencrypt() -> int:
    """Encrypt every KYB secret field and document again with the newest key, so an old key
    can be dropped from CONSOLE_ENCRYPTION_KEYS afterwards. Returns the rows and files done."""
    done = 0
    for submission in KybSubmission.objects.all().iterator():
        # Reading decrypts with any key; saving encrypts with the first.
        submission.save(update_fields=["registration_number", "tax_id"])
        done += 1
    for owner in BeneficialOwner.objects.all().iterator():
        owner.save(update_fields=["date_of_birth_encrypted"])
        done += 1
    storage = _storage()
    for document in KybDocument.objects.all().iterator():
        with storage.open(document.storage_name, "rb") as handle:
            token = handle.read()
        rotated = encryption.rotate_bytes(token)
        name = storage.save(f"{uuid.uuid4().hex}.bin", ContentFile(rotated))
        with transaction.atomic():
            KybDocument.objects.filter(pk=document.pk).update(storage_name=name)
        storage.delete(document.storage_name)
        done += 1
    return done
