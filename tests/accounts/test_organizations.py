import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import RequestFactory

from accounts import selectors, services
from accounts.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db


def request_for(user, session=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = session or {}
    request.organization = selectors.current_organization(request)
    return request


def test_organization_create_makes_the_user_its_owner(make_user):
    user = make_user("erin@example.com", organization=None)
    organization = services.organization_create(name="  Erin Pay  ", owner=user)
    assert organization.name == "Erin Pay"
    assert Membership.objects.get(user=user, organization=organization).role == Role.OWNER


def test_organization_create_refuses_a_blank_name(make_user):
    user = make_user("erin@example.com", organization=None)
    with pytest.raises(ValidationError):
        services.organization_create(name="   ", owner=user)
    assert not Organization.objects.exists()


def test_the_database_refuses_a_blank_name_and_an_unknown_role(alice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="")
    membership = alice.memberships.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(role="superhero")


def test_current_organization_is_the_users_own(alice, charlie):
    assert request_for(alice).organization.name == "Alice Fintech"
    assert request_for(charlie).organization.name == "Charlie Bank"


def test_a_session_cannot_choose_an_organization_the_user_is_not_in(alice, charlie):
    foreign = charlie.memberships.get().organization
    request = request_for(alice, session={selectors.SESSION_KEY: foreign.pk})
    assert request.organization.name == "Alice Fintech"


def test_get_for_organization_returns_own_objects_and_404s_on_others(alice, charlie):
    own = alice.memberships.get()
    foreign = charlie.memberships.get()
    request = request_for(alice)

    assert selectors.get_for_organization(request, Membership.objects, pk=own.pk) == own
    with pytest.raises(Http404):
        selectors.get_for_organization(request, Membership.objects, pk=foreign.pk)
    with pytest.raises(Http404):
        selectors.get_for_organization(request, Membership.objects, pk=10**9)
