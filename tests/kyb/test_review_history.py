"""The review history is append-only: the model, and the database under it, refuse a change."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from kyb.models import KybReview
from tests.kyb.conftest import submit_kyb


def test_a_history_entry_cannot_be_changed_or_deleted_through_the_model(alice, catalog):
    submit_kyb(alice)
    entry = KybReview.objects.get()
    entry.note = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert KybReview.objects.get().note == ""


def test_the_database_refuses_an_update_even_in_raw_sql(alice, catalog):
    submit_kyb(alice)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE kyb_kybreview SET note = 'rewritten'")
    assert KybReview.objects.get().note == ""


def test_the_database_refuses_a_queryset_update(alice, catalog):
    submit_kyb(alice)
    with pytest.raises(DatabaseError), transaction.atomic():
        KybReview.objects.update(decision="approved")
    assert KybReview.objects.get().decision == "submitted"
