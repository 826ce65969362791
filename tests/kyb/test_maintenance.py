"""Key rotation of the KYB store, and the sweep of files no document names."""

import io
import os
import time

from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command

from kyb import documents as kyb_documents
from kyb.models import BeneficialOwner, KybDocument, KybSubmission
from tests.kyb import files
from tests.kyb.conftest import COMPANY, complete_kyb


def test_reencrypt_moves_every_kyb_secret_to_the_newest_key(alice, catalog, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CONSOLE_ENCRYPTION_KEYS = [old]
    complete_kyb(alice)
    document = KybDocument.objects.first()

    settings.CONSOLE_ENCRYPTION_KEYS = [new, old]
    call_command("kyb_reencrypt", stdout=io.StringIO())

    settings.CONSOLE_ENCRYPTION_KEYS = [new]  # the old key is gone
    submission = KybSubmission.objects.get()
    assert submission.registration_number == COMPANY["registration_number"]
    assert submission.tax_id == COMPANY["tax_id"]
    assert BeneficialOwner.objects.get().date_of_birth.isoformat() == "1984-05-17"
    moved = KybDocument.objects.get(pk=document.pk)
    assert moved.storage_name != document.storage_name
    assert kyb_documents.kyb_document_read(document=moved) == files.pdf()
    assert not storages["kyb"].exists(document.storage_name)


def test_the_sweep_deletes_only_old_files_that_no_document_names(alice, catalog):
    complete_kyb(alice)
    storage = storages["kyb"]
    orphan = storage.save("orphan.bin", ContentFile(b"left by a rolled-back upload"))
    young = storage.save("young.bin", ContentFile(b"its row may be about to commit"))
    two_hours_ago = time.time() - 7200
    os.utime(storage.path(orphan), (two_hours_ago, two_hours_ago))
    for document in KybDocument.objects.all():
        os.utime(storage.path(document.storage_name), (two_hours_ago, two_hours_ago))

    assert kyb_documents.kyb_storage_sweep() == 1

    assert not storage.exists(orphan)
    assert storage.exists(young)
    assert all(storage.exists(d.storage_name) for d in KybDocument.objects.all())
    storage.delete(young)
