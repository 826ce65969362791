"""The changelist.

Part of tests.kyb.admin_review; the package's docstring says what its tests check.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kyb import services
from kyb.models import KybSubmission
from tests.kyb.admin_review.conftest import CHANGELIST, listed
from tests.kyb.conftest import complete_kyb

pytestmark = pytest.mark.django_db


def test_the_changelist_lists_submitted_kybs_and_hides_drafts(
    staff_client, alice_kyb, charlie, catalog
):
    complete_kyb(charlie)  # a complete draft, never submitted
    assert listed(staff_client.get(CHANGELIST)) == ["Alice Fintech"]


def test_the_changelist_filters_by_status_country_and_submitted_date(
    staff_client, reviewer, alice_kyb, charlie_kyb
):
    services.kyb_submission_approve(submission=charlie_kyb, reviewer=reviewer)
    page = staff_client.get(CHANGELIST).content.decode()
    assert "By status" in page
    assert "By country of registration" in page
    assert "By submitted at" in page

    assert listed(staff_client.get(CHANGELIST, {"status__exact": "approved"})) == ["Charlie Bank"]
    assert listed(staff_client.get(CHANGELIST, {"status__exact": "submitted"})) == ["Alice Fintech"]
    assert listed(staff_client.get(CHANGELIST, {"country__exact": "GB"})) == ["Charlie Bank"]
    assert listed(staff_client.get(CHANGELIST, {"country__exact": "SE"})) == ["Alice Fintech"]

    # Charlie submitted last month; the filter's own "Today" link keeps only alice.
    KybSubmission.objects.filter(pk=charlie_kyb.pk).update(
        submitted_at=timezone.now() - timedelta(days=40)
    )
    page = staff_client.get(CHANGELIST).content.decode()
    today = re.search(r'<a href="(\?submitted_at__gte=[^"]+)">Today</a>', page)
    assert today, "the submitted-date filter offers Today"
    url = CHANGELIST + today.group(1).replace("&amp;", "&")
    assert listed(staff_client.get(url)) == ["Alice Fintech"]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("Northwind", ["Charlie Bank"]),  # the legal entity name
        ("alice fintech ab", ["Alice Fintech"]),
        ("Charlie Bank", ["Charlie Bank"]),  # the organization's name
        ("556677-8899", ["Alice Fintech"]),  # the exact registration number
        (" 556677-8899 ", ["Alice Fintech"]),  # spaces around it are ignored
        ("gb-07012345", ["Charlie Bank"]),  # and letter case
        ("556677", []),  # only an exact number: the column is encrypted
        ("556677-8898", []),
    ],
)
def test_staff_search_by_entity_name_organization_or_exact_registration_number(
    staff_client, alice_kyb, charlie_kyb, term, found
):
    assert sorted(listed(staff_client.get(CHANGELIST, {"q": term}))) == found


def test_a_search_by_registration_number_never_finds_a_draft(
    staff_client, alice_kyb, make_user, catalog
):
    dora = make_user("dora@example.com", organization="Dora Draft")
    complete_kyb(dora)  # the same registration number, still a draft
    assert listed(staff_client.get(CHANGELIST, {"q": "556677-8899"})) == ["Alice Fintech"]
