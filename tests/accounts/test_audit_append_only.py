"""The audit log is append-only, in the model and in the database under it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEvent
from kyb.models import KybReview
from tests.kyb.conftest import submit_kyb


@pytest.fixture
def entry(alice, make_app) -> AuditEvent:
    make_app(alice)
    return AuditEvent.objects.get()


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(entry):
    entry.target_label = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert AuditEvent.objects.get().target_label == "Demo Bank sandbox"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET target_label = 'rewritten'",
        "UPDATE accounts_auditevent SET actor_email = 'someone@else.example'",
        "UPDATE accounts_auditevent SET action = 'login'",
        "UPDATE accounts_auditevent SET ip = '10.0.0.1'",
    ],
)
def test_the_database_refuses_an_update_even_in_raw_sql(entry, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.get().target_label == "Demo Bank sandbox"


def test_the_database_refuses_moving_an_entry_to_another_actor(entry, charlie):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(actor=charlie)


def test_deleting_a_user_keeps_their_entries_with_their_email(entry, alice, catalog):
    submit_kyb(alice)
    alice.delete()
    assert AuditEvent.objects.filter(actor=None, actor_email="alice@example.com").exists()
    assert KybReview.objects.filter(actor=None, actor_email="alice@example.com").exists()
