"""KYB personal data at rest: registration numbers, tax ids, owners' dates of birth and the
documents are encrypted with the key list in CONSOLE_ENCRYPTION_KEYS, newest first, so a key is
rotated by putting a new one in front."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.db import connection

from accounts import encryption
from kyb import documents as kyb_documents
from kyb import services
from kyb.models import BeneficialOwner, KybDocument, KybSubmission
from tests.conftest import organization_of
from tests.kyb import files
from tests.kyb.conftest import COMPANY, complete_kyb, request_access

REGISTRATION_NUMBER = COMPANY["registration_number"]  # 556677-8899
TAX_ID = COMPANY["tax_id"]  # SE556677889901
BORN = "1984-05-17"


def new_key() -> str:
    return Fernet.generate_key().decode()


def raw_submission(organization) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT registration_number, tax_id, registration_number_index "
            "FROM kyb_kybsubmission WHERE organization_id = %s",
            [organization.pk],
        )
        return cursor.fetchone()


def raw_dates_of_birth() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT date_of_birth_encrypted FROM kyb_beneficialowner")
        return [row[0] for row in cursor.fetchall()]


def stored_bytes(document: KybDocument) -> bytes:
    return (Path(storages["kyb"].location) / document.storage_name).read_bytes()


def clear_forms(value: str) -> set[str]:
    """The value as typed, and without its punctuation: neither may be in the database."""
    return {value, value.replace("-", ""), value.lower()}


@pytest.fixture
def kyb(alice, catalog) -> KybSubmission:
    return complete_kyb(alice)


# The database holds no clear value


def test_the_database_holds_no_clear_registration_number_or_tax_id(kyb, alice):
    registration_number, tax_id, index = raw_submission(organization_of(alice))
    assert registration_number and tax_id and index
    for column in (registration_number, tax_id, index):
        for clear in clear_forms(REGISTRATION_NUMBER) | clear_forms(TAX_ID):
            assert clear not in column
        assert "5566778899" not in column.replace("-", "")

    submission = KybSubmission.objects.get(pk=kyb.pk)
    assert (submission.registration_number, submission.tax_id) == (REGISTRATION_NUMBER, TAX_ID)


def test_the_same_registration_number_is_stored_differently_each_time(kyb, alice):
    first, _, _ = raw_submission(organization_of(alice))
    services.kyb_company_update(organization=organization_of(alice), updated_by=alice, **COMPANY)
    second, _, _ = raw_submission(organization_of(alice))
    assert first != second
    assert encryption.decrypt(first) == encryption.decrypt(second) == REGISTRATION_NUMBER


def test_the_database_holds_no_clear_date_of_birth(kyb):
    [stored] = raw_dates_of_birth()
    assert stored
    for clear in (BORN, "19840517", "17/05/1984", "1984"):
        assert clear not in stored
    assert str(BeneficialOwner.objects.get().date_of_birth) == BORN


def test_the_stored_document_files_hold_no_clear_bytes(kyb):
    original = files.pdf()
    documents = list(KybDocument.objects.all())
    assert len(documents) == 3
    for document in documents:
        stored = stored_bytes(document)
        assert b"%PDF" not in stored
        assert b"/Type /Catalog" not in stored
        assert b"%%EOF" not in stored
        assert original not in stored
        assert kyb_documents.kyb_document_read(document=document) == original


def test_a_document_file_is_named_by_the_server_not_by_the_upload(kyb):
    for document in KybDocument.objects.all():
        assert document.kind not in document.storage_name
        assert not document.storage_name.endswith(".pdf")
        assert "/" not in document.storage_name


def test_an_empty_value_is_stored_empty(alice, catalog):
    request_access(alice)
    services.kyb_company_update(
        organization=organization_of(alice), updated_by=alice, legal_name="Alice Fintech AB"
    )
    assert raw_submission(organization_of(alice)) == ("", "", "")


# Rotating the key list


def test_old_rows_stay_readable_after_a_new_key_is_put_in_front(alice, charlie, catalog, settings):
    old, new = new_key(), new_key()
    settings.CONSOLE_ENCRYPTION_KEYS = [old]
    complete_kyb(alice)
    alices = organization_of(alice)
    old_document = KybDocument.objects.get(submission__organization=alices, kind="incorporation")

    settings.CONSOLE_ENCRYPTION_KEYS = [new, old]
    submission = KybSubmission.objects.get(organization=alices)
    assert (submission.registration_number, submission.tax_id) == (REGISTRATION_NUMBER, TAX_ID)
    assert str(BeneficialOwner.objects.get(submission=submission).date_of_birth) == BORN
    assert kyb_documents.kyb_document_read(document=old_document) == files.pdf()

    # Written now, with the newest key only.
    complete_kyb(charlie)
    charlies = organization_of(charlie)
    new_document = KybDocument.objects.get(submission__organization=charlies, kind="incorporation")
    registration_number, tax_id, _ = raw_submission(charlies)
    assert Fernet(new).decrypt(registration_number.encode()).decode() == REGISTRATION_NUMBER
    assert Fernet(new).decrypt(tax_id.encode()).decode() == TAX_ID
    assert Fernet(new).decrypt(stored_bytes(new_document)) == files.pdf()
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(registration_number.encode())

    # Once the old key is dropped, only what the new key wrote can be read.
    settings.CONSOLE_ENCRYPTION_KEYS = [new]
    assert KybSubmission.objects.get(organization=charlies).registration_number == (
        REGISTRATION_NUMBER
    )
    assert kyb_documents.kyb_document_read(document=new_document) == files.pdf()
    with pytest.raises(InvalidToken):
        KybSubmission.objects.get(organization=alices)
    with pytest.raises(InvalidToken):
        kyb_documents.kyb_document_read(document=old_document)
    with pytest.raises(InvalidToken):
        list(BeneficialOwner.objects.filter(submission__organization=alices))


def test_rotating_a_value_moves_it_to_the_newest_key(settings):
    old, new = new_key(), new_key()
    settings.CONSOLE_ENCRYPTION_KEYS = [old]
    token = encryption.encrypt(TAX_ID)
    document = encryption.encrypt_bytes(files.pdf())

    settings.CONSOLE_ENCRYPTION_KEYS = [new, old]
    rotated, rotated_document = encryption.rotate(token), encryption.rotate_bytes(document)

    settings.CONSOLE_ENCRYPTION_KEYS = [new]
    assert encryption.decrypt(rotated) == TAX_ID
    assert encryption.decrypt_bytes(rotated_document) == files.pdf()
    with pytest.raises(InvalidToken):
        encryption.decrypt(token)


def test_a_key_that_is_not_a_fernet_key_is_refused(settings):
    settings.CONSOLE_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured):
        encryption.encrypt(TAX_ID)


# The blind index: staff find a registration number by exact match


def test_the_blind_index_ignores_spaces_and_case():
    assert encryption.blind_index("se 5566 7788 9901") == encryption.blind_index("SE556677889901")
    assert encryption.blind_index(" 556677-8899\t") == encryption.blind_index("556677-8899")


def test_the_blind_index_tells_different_numbers_apart():
    assert encryption.blind_index("556677-8899") != encryption.blind_index("556677-8898")
    assert encryption.blind_index("556677-8899") != encryption.blind_index("5566778899")


def test_the_blind_index_of_nothing_is_empty():
    assert encryption.blind_index("") == encryption.blind_index("  ") == ""


def test_the_blind_index_survives_a_key_rotation(settings):
    settings.CONSOLE_ENCRYPTION_KEYS = [new_key()]
    before = encryption.blind_index(REGISTRATION_NUMBER)
    settings.CONSOLE_ENCRYPTION_KEYS = [new_key()]
    assert encryption.blind_index(REGISTRATION_NUMBER) == before


def test_the_stored_index_finds_the_submission(kyb, alice):
    found = KybSubmission.objects.filter(
        registration_number_index=encryption.blind_index(" 556677-8899 ")
    )
    assert list(found) == [kyb]
