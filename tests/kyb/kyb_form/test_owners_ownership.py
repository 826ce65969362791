"""Beneficial owners: ownership.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

from datetime import date
from decimal import Decimal

import pytest

from kyb import services
from kyb.models import BeneficialOwner
from tests.kyb.conftest import text
from tests.kyb.kyb_form.conftest import add_owner, owner_errors

OWNERSHIP_OVER_100 = "ownership can't add up to more than 100 %."
OWNERSHIP_RANGE = "Beneficial owners own 25 % or more: enter a percentage from 25 to 100."


def test_owners_holding_more_than_100_percent_together_are_refused(owner_client, alice):
    assert add_owner(owner_client, ownership="60").status_code == 302
    response = add_owner(owner_client, full_name="Bo Berg", ownership="50")
    assert response.status_code == 400
    [message] = owner_errors(response)["ownership"]
    assert "110" in message
    assert message.endswith(OWNERSHIP_OVER_100)
    assert OWNERSHIP_OVER_100 in text(response)
    assert list(BeneficialOwner.objects.values_list("full_name", flat=True)) == ["Alice Andersson"]


def test_owners_holding_exactly_100_percent_together_are_accepted(owner_client, alice):
    assert add_owner(owner_client, ownership="60").status_code == 302
    assert add_owner(owner_client, full_name="Bo Berg", ownership="40").status_code == 302
    assert sorted(BeneficialOwner.objects.values_list("ownership", flat=True)) == [
        Decimal("40"),
        Decimal("60"),
    ]


def test_ownership_is_checked_to_the_hundredth(owner_client, alice):
    assert add_owner(owner_client, ownership="33.34").status_code == 302
    assert add_owner(owner_client, full_name="Bo Berg", ownership="33.33").status_code == 302
    response = add_owner(owner_client, full_name="Cy Carlsson", ownership="33.34")
    assert response.status_code == 400
    assert OWNERSHIP_OVER_100 in owner_errors(response)["ownership"][0]
    assert add_owner(owner_client, full_name="Cy Carlsson", ownership="33.33").status_code == 302
    assert BeneficialOwner.objects.count() == 3


@pytest.mark.parametrize("ownership", ["24.99", "0", "-30", "100.01"])
def test_ownership_outside_25_to_100_percent_is_refused(ownership, owner_client, alice):
    response = add_owner(owner_client, ownership=ownership)
    assert response.status_code == 400
    assert owner_errors(response)["ownership"]
    assert not BeneficialOwner.objects.exists()


def test_ownership_under_25_percent_is_refused_with_the_rule(owner_client, alice):
    response = add_owner(owner_client, ownership="24.99")
    assert owner_errors(response)["ownership"] == [OWNERSHIP_RANGE]
    assert OWNERSHIP_RANGE in text(response)


@pytest.mark.parametrize("ownership", ["25", "100"])
def test_ownership_of_25_and_100_percent_is_accepted(ownership, owner_client, alice):
    assert add_owner(owner_client, ownership=ownership).status_code == 302
    assert BeneficialOwner.objects.get().ownership == Decimal(ownership)


def test_the_service_refuses_ownership_over_100_percent_too(alice, ready):
    services.beneficial_owner_add(
        organization=ready,
        added_by=alice,
        full_name="Alice Andersson",
        date_of_birth=date(1984, 5, 17),
        nationality="SE",
        ownership=Decimal("60"),
    )
    with pytest.raises(services.ValidationError) as refused:
        services.beneficial_owner_add(
            organization=ready,
            added_by=alice,
            full_name="Bo Berg",
            date_of_birth=date(1980, 1, 1),
            nationality="SE",
            ownership=Decimal("50"),
        )
    assert OWNERSHIP_OVER_100 in refused.value.message_dict["ownership"][0]
    assert BeneficialOwner.objects.count() == 1
