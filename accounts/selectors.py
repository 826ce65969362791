from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from .models import Membership, Organization

SESSION_KEY = "organization_id"
M = TypeVar("M", bound=Model)


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in this session, else the user's oldest one."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("organization")
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("created_at", "pk").first()
    return membership


def current_organization(request: HttpRequest) -> Organization | None:
    membership = current_membership(request)
    return membership.organization if membership else None


def get_for_organization(request: HttpRequest, queryset: QuerySet[M], **lookups) -> M:
    """Fetch one object of the current organization, or raise 404.

    Every view that loads an organization's object goes through here, so another
    organization's ids are indistinguishable from ids that do not exist.
    """
    organization = request.organization
    if not organization:  # a lazy object: test its truth, not its identity
        raise Http404
    obj = queryset.filter(organization=organization, **lookups).first()
    if obj is None:
        raise Http404
    return obj
