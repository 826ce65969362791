"""Beneficial owners: date of birth.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kyb.models import BeneficialOwner
from tests.kyb.kyb_form.conftest import add_owner, owner_errors


def days_from_today(days: int) -> str:
    return (timezone.now().date() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize("days", [0, 1, 365 * 20])
def test_a_date_of_birth_today_or_in_the_future_is_refused(days, owner_client, alice):
    response = add_owner(owner_client, date_of_birth=days_from_today(days))
    assert response.status_code == 400
    assert owner_errors(response)["date_of_birth"]
    assert not BeneficialOwner.objects.exists()


def test_a_date_of_birth_yesterday_is_accepted(owner_client, alice):
    assert add_owner(owner_client, date_of_birth=days_from_today(-1)).status_code == 302
    assert BeneficialOwner.objects.get().date_of_birth == timezone.now().date() - timedelta(1)


@pytest.mark.parametrize("born", ["1899-12-31", "1066-10-14", "0001-01-01"])
def test_a_date_of_birth_before_1900_is_refused(born, owner_client, alice):
    response = add_owner(owner_client, date_of_birth=born)
    assert response.status_code == 400
    assert owner_errors(response)["date_of_birth"] == ["Enter a date of birth after 1900."]
    assert not BeneficialOwner.objects.exists()


def test_a_date_of_birth_on_1_january_1900_is_accepted(owner_client, alice):
    assert add_owner(owner_client, date_of_birth="1900-01-01").status_code == 302
    assert BeneficialOwner.objects.get().date_of_birth == date(1900, 1, 1)


@pytest.mark.parametrize("born", ["17/05/1984", "1984-13-01", "yesterday", ""])
def test_a_date_of_birth_that_is_not_a_date_is_refused(born, owner_client, alice):
    response = add_owner(owner_client, date_of_birth=born)
    assert response.status_code == 400
    assert owner_errors(response)["date_of_birth"]
    assert not BeneficialOwner.objects.exists()
