"""ISO 3166 countries.

Part of tests.kyb.kyb_form; the package's docstring says what its tests check.
"""

from datetime import date
from decimal import Decimal

import pytest

from kyb import services
from kyb.models import BeneficialOwner, Director
from tests.kyb.conftest import text
from tests.kyb.kyb_form.conftest import (
    COMPANY_URL,
    DIRECTORS_URL,
    add_owner,
    company_data,
    owner_errors,
    submission_of,
)

COUNTRY = "Choose a country from the list."


@pytest.mark.parametrize("country", ["XX", "Sweden", "SWE", "EU"])
def test_a_country_of_registration_not_in_iso_3166_is_refused(country, owner_client, alice):
    owner_client.post(COMPANY_URL, company_data())
    response = owner_client.post(
        COMPANY_URL, company_data(country=country, legal_name="Changed AB")
    )
    assert response.status_code == 400
    assert response.context["company_form"].errors["country"] == [COUNTRY]
    assert COUNTRY in text(response)
    submission = submission_of(alice)
    assert (submission.country.code, submission.legal_name) == ("SE", "Alice Fintech AB")


def test_a_country_code_is_accepted(owner_client, alice):
    assert owner_client.post(COMPANY_URL, company_data(country="NO")).status_code == 302
    assert submission_of(alice).country.code == "NO"


@pytest.mark.parametrize("nationality", ["XX", "Sweden"])
def test_an_owners_nationality_not_in_iso_3166_is_refused(nationality, owner_client, alice):
    response = add_owner(owner_client, nationality=nationality)
    assert response.status_code == 400
    assert owner_errors(response)["nationality"] == [COUNTRY]
    assert not BeneficialOwner.objects.exists()
    assert add_owner(owner_client, nationality="SE").status_code == 302
    assert BeneficialOwner.objects.get().nationality.code == "SE"


@pytest.mark.parametrize("nationality", ["XX", "Sweden"])
def test_a_directors_nationality_not_in_iso_3166_is_refused(nationality, owner_client, alice):
    response = owner_client.post(
        DIRECTORS_URL, {"full_name": "Bo Berg", "nationality": nationality}
    )
    assert response.status_code == 400
    assert response.context["director_form"].errors["nationality"] == [COUNTRY]
    assert not Director.objects.exists()
    response = owner_client.post(DIRECTORS_URL, {"full_name": "Bo Berg", "nationality": "SE"})
    assert response.status_code == 302
    assert Director.objects.get().nationality.code == "SE"


@pytest.mark.parametrize("code", ["XX", "Sweden"])
def test_the_services_refuse_a_country_not_in_iso_3166(code, alice, ready):
    with pytest.raises(services.ValidationError) as refused:
        services.kyb_company_update(organization=ready, updated_by=alice, country=code)
    assert refused.value.message_dict == {"country": [COUNTRY]}
    with pytest.raises(services.ValidationError) as refused:
        services.beneficial_owner_add(
            organization=ready,
            added_by=alice,
            full_name="Alice Andersson",
            date_of_birth=date(1984, 5, 17),
            nationality=code,
            ownership=Decimal("60"),
        )
    assert refused.value.message_dict == {"nationality": [COUNTRY]}
    with pytest.raises(services.ValidationError) as refused:
        services.director_add(
            organization=ready, added_by=alice, full_name="Bo Berg", nationality=code
        )
    assert refused.value.message_dict == {"nationality": [COUNTRY]}
    assert not BeneficialOwner.objects.exists()
    assert not Director.objects.exists()
