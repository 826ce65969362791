"""The Team page: members and roles, invitations, ownership, the two-factor rule, leaving and
deleting the organization, and the organization switcher, through the test client."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services
from accounts.models import AuditEvent, Invitation, Membership, Organization, Role
from accounts.permissions import LABELS as ACTION_LABELS
from accounts.permissions import PERMISSIONS, ROLE_SUMMARY
from apps.models import App
from tests.conftest import organization_of

pytestmark = pytest.mark.django_db

BASE_URL = "http://testserver-base"
TEAM = reverse("team_index")
INVITE = reverse("team_invite")
LINK = re.compile(re.escape(BASE_URL) + r"/invitations/(?P<token>[A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CONSOLE_BASE_URL = BASE_URL


@pytest.fixture
def team(alice, add_member):
    """Alice Fintech: alice (owner), an admin, a developer and a viewer."""
    organization = organization_of(alice)
    return {
        "organization": organization,
        "owner": alice,
        **{role: add_member(organization, role) for role in ("admin", "developer", "viewer")},
    }


def client_for(client, user):
    client.force_login(user)
    return client


def membership(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


def audit_mark() -> int:
    return AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def audit_since(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("pk"))


def only_entry(mark: int, action: str, actor, target: str) -> AuditEvent:
    """The one entry written since `mark`: `actor` did `action` to `target`."""
    entries = audit_since(mark)
    assert [(e.action, e.actor_id, e.target_id) for e in entries] == [(action, actor.pk, target)]
    return entries[0]


def token_in(message) -> str:
    return LINK.search(message.body)["token"]


def invite(client, capture, email="erin@example.com", role=Role.DEVELOPER):
    with capture(execute=True):
        return client.post(INVITE, {"email": email, "role": role})


def page(response) -> str:
    return response.content.decode()


# --- The page ------------------------------------------------------------------------------


def test_the_team_page_lists_members_with_role_and_joined_date_and_marks_you(alice_client, team):
    response = alice_client.get(TEAM)

    assert response.status_code == 200
    html = page(response)
    assert 'alice@example.com <span class="badge">You</span>' in html
    for role in ("admin", "developer", "viewer"):
        assert f"{role}@example.com" in html
    joined = membership(team["admin"], team["organization"]).created_at
    assert f'datetime="{joined.isoformat()}"' in html
    assert html.count('<span class="badge">You</span>') == 1


def test_the_team_page_shows_the_roles_table_from_the_permission_table(alice_client, team):
    html = page(alice_client.get(TEAM))

    for summary in ROLE_SUMMARY.values():
        assert summary in html
    for action in PERMISSIONS:
        assert ACTION_LABELS[action].replace("'", "&#x27;") in html
    # Transfer ownership: owners only, so one "Yes" in its row.
    row = re.search(r"<th scope=\"row\">Transfer ownership</th>(.*?)</tr>", html)[1]
    assert row.count(">Yes<") == 1 and row.count(">No<") == 3


def test_every_action_of_the_permission_table_has_words_on_the_team_page():
    assert set(PERMISSIONS) <= set(ACTION_LABELS)


def test_an_owner_sees_every_management_form(alice_client, team):
    """The team's forms on the Team page ("Invite a member" first); the organization's own,
    the two-factor rule and deleting it, on Organization settings."""
    html = page(alice_client.get(TEAM))
    organization = page(alice_client.get(reverse("organization_settings")))

    for text in (
        "Change role",
        ">Remove<",
        "Send invitation",
        "Transfer ownership</button>",
        "Leave organization</button>",
        'href="/team/organization/"',
    ):
        assert text in html, text
    assert html.index("Invite a member") < html.index("Members</h2>")
    for text in ("Require two-factor log-in for every member", "Delete organization</button>"):
        assert text in organization and text not in html, text


@pytest.mark.parametrize("role", ["developer", "viewer"])
def test_developers_and_viewers_see_the_team_read_only(
    client, team, role, django_capture_on_commit_callbacks
):
    invite(client_for(client, team["owner"]), django_capture_on_commit_callbacks)
    client.force_login(team[role])

    html = page(client.get(TEAM))

    assert "erin@example.com" in html and "admin@example.com" in html
    for text in (
        "Change role",
        ">Remove<",
        ">Resend<",
        ">Cancel<",
        "Send invitation",
        "Transfer ownership</button>",
        "Require two-factor log-in for every member",
        "Delete organization</button>",
        "<select",
    ):
        assert text not in html, text
    assert "Leave organization</button>" in html


def test_an_admin_manages_the_team_but_not_owners_nor_the_organization(client, team):
    client.force_login(team["admin"])
    html = page(client.get(TEAM))

    owner = membership(team["owner"], team["organization"])
    developer = membership(team["developer"], team["organization"])
    assert reverse("team_member_role", args=[developer.pk]) in html
    assert reverse("team_member_role", args=[owner.pk]) not in html
    assert reverse("team_member_remove", args=[owner.pk]) not in html
    assert '<option value="owner"' not in html
    for text in (
        "Transfer ownership</button>",
        "Delete organization</button>",
        "two-factor-required",
    ):
        assert text not in html
    assert "Send invitation" in html


def test_nobody_gets_a_remove_button_for_themselves(alice_client, team):
    html = page(alice_client.get(TEAM))
    own = membership(team["owner"], team["organization"])
    assert reverse("team_member_remove", args=[own.pk]) not in html


# --- Invitations ---------------------------------------------------------------------------


def test_an_owner_invites_by_email_and_the_link_goes_out_under_the_console_base_url(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    mark = audit_mark()

    response = invite(alice_client, django_capture_on_commit_callbacks, role=Role.VIEWER)

    assert response.status_code == 302
    assert response["Location"] == f"{TEAM}#invitations"
    (message,) = mailoutbox
    assert message.to == ["erin@example.com"]
    assert (
        "alice@example.com invited you to join Alice Fintech on Console as viewer" in message.body
    )
    token = token_in(message)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "erin@example.com",
        Role.VIEWER,
        team["owner"],
    )
    assert invitation.token_hash == services.invitation_token_hash(token) != token
    assert token not in str(Invitation.objects.values().get())
    entry = only_entry(mark, AuditEvent.Action.INVITATION_CREATE, team["owner"], "erin@example.com")
    assert token not in str(entry.details)
    html = page(alice_client.get(TEAM))
    assert "Invitation sent to erin@example.com" in html
    assert re.search(
        r'<td data-label="Email">erin@example.com</td>\s*<td data-label="Role">Viewer</td>\s*'
        r'<td data-label="Invited by">alice@example.com</td>',
        html,
    )


def test_an_admin_invites_too(client, team, mailoutbox, django_capture_on_commit_callbacks):
    response = invite(client_for(client, team["admin"]), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Invitation.objects.get().invited_by == team["admin"]
    assert len(mailoutbox) == 1


def test_it_refuses_an_invalid_address_on_the_form(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(alice_client, django_capture_on_commit_callbacks, email="not-an-address")
    assert response.status_code == 400
    assert "Enter a valid email address." in page(response)
    assert not Invitation.objects.exists() and mailoutbox == []


def test_it_refuses_a_second_invitation_for_the_same_address(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    mark = audit_mark()

    response = invite(alice_client, django_capture_on_commit_callbacks, email="ERIN@example.com")

    assert response.status_code == 400
    assert "erin@example.com is already invited." in page(response)
    assert Invitation.objects.count() == 1 and len(mailoutbox) == 1
    assert audit_since(mark) == []


def test_it_refuses_to_invite_a_member(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(alice_client, django_capture_on_commit_callbacks, email="viewer@example.com")

    assert response.status_code == 400
    assert "viewer@example.com is already a member of Alice Fintech." in page(response)
    assert not Invitation.objects.exists() and mailoutbox == []


def test_an_admin_cannot_invite_an_owner(
    client, team, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(
        client_for(client, team["admin"]), django_capture_on_commit_callbacks, role=Role.OWNER
    )

    assert response.status_code == 400
    assert "Choose one of the roles listed." in page(response)
    assert not Invitation.objects.exists() and mailoutbox == []


def pending_invitations(organization, count: int) -> None:
    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            organization=organization,
            email=f"pending{i}@example.com",
            role=Role.VIEWER,
            token_hash=f"{i:064d}",
            expires_at=now + timedelta(days=7),
        )
        for i in range(count)
    )


def test_the_fiftieth_pending_invitation_goes_out_and_the_fifty_first_is_refused(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    pending_invitations(team["organization"], services.MAX_PENDING_INVITATIONS - 1)

    assert invite(alice_client, django_capture_on_commit_callbacks).status_code == 302
    response = invite(alice_client, django_capture_on_commit_callbacks, email="frank@example.com")

    assert response.status_code == 400
    assert "Alice Fintech already has 50 pending invitations, the most it can have." in page(
        response
    )
    assert not Invitation.objects.filter(email="frank@example.com").exists()
    assert len(mailoutbox) == 1


def test_resend_mints_a_new_link_and_the_old_one_stops_working(
    alice_client, client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    old = token_in(mailoutbox[0])
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - timedelta(minutes=2)
    )
    mark = audit_mark()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("team_invitation_resend", args=[invitation.pk]))

    assert response.status_code == 302
    new = token_in(mailoutbox[1])
    assert new != old
    only_entry(mark, AuditEvent.Action.INVITATION_RESEND, team["owner"], "erin@example.com")
    anonymous = client.__class__()
    assert anonymous.get(f"/invitations/{old}/").status_code == 404
    fresh = anonymous.get(f"/invitations/{new}/")
    assert fresh.status_code == 200 and "Join Alice Fintech" in page(fresh)


def test_it_refuses_to_resend_within_a_minute(
    alice_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    mark = audit_mark()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("team_invitation_resend", args=[invitation.pk]))

    assert response.status_code == 400
    assert "sent less than a minute ago" in page(response)
    assert len(mailoutbox) == 1 and audit_since(mark) == []
    assert Invitation.objects.get().token_hash == invitation.token_hash


def test_cancel_makes_the_link_refused_with_a_message(
    alice_client, client, team, mailoutbox, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    token = token_in(mailoutbox[0])
    invitation = Invitation.objects.get()
    mark = audit_mark()

    response = alice_client.post(reverse("team_invitation_cancel", args=[invitation.pk]))

    assert response.status_code == 302
    assert Invitation.objects.get().cancelled_at is not None
    only_entry(mark, AuditEvent.Action.INVITATION_CANCEL, team["owner"], "erin@example.com")
    html = page(alice_client.get(TEAM))
    assert "Invitation to erin@example.com cancelled." in html
    assert "No pending invitations." in html
    link = client.__class__().get(f"/invitations/{token}/")
    assert link.status_code == 410
    assert selectors.INVITATION_CANCELLED.replace("'", "&#x27;") in page(link)


def test_a_cancelled_invitation_cannot_be_cancelled_or_resent_again(
    alice_client, team, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    alice_client.post(reverse("team_invitation_cancel", args=[invitation.pk]))
    mark = audit_mark()

    for name in ("team_invitation_cancel", "team_invitation_resend"):
        response = alice_client.post(reverse(name, args=[invitation.pk]))
        assert response.status_code == 400
        assert "already accepted or cancelled" in page(response)
    assert audit_since(mark) == []


# --- Roles -----------------------------------------------------------------------------------


def change_role(client, user, organization, role):
    return client.post(
        reverse("team_member_role", args=[membership(user, organization).pk]), {"role": role}
    )


def test_an_owner_changes_a_members_role(alice_client, team):
    mark = audit_mark()

    response = change_role(alice_client, team["developer"], team["organization"], Role.ADMIN)

    assert response.status_code == 302
    assert membership(team["developer"], team["organization"]).role == Role.ADMIN
    entry = only_entry(
        mark, AuditEvent.Action.MEMBER_ROLE_CHANGE, team["owner"], "developer@example.com"
    )
    assert entry.details == {"old_role": "developer", "new_role": "admin"}
    assert "developer@example.com is now admin." in page(alice_client.get(TEAM))


def test_an_owner_makes_another_owner(alice_client, team):
    assert (
        change_role(alice_client, team["admin"], team["organization"], Role.OWNER).status_code
        == 302
    )
    assert membership(team["admin"], team["organization"]).role == Role.OWNER


def test_an_admin_cannot_change_an_owners_role_nor_make_an_owner(client, team):
    client.force_login(team["admin"])
    mark = audit_mark()

    demote = change_role(client, team["owner"], team["organization"], Role.VIEWER)
    promote = change_role(client, team["developer"], team["organization"], Role.OWNER)

    for response in (demote, promote):
        assert response.status_code == 400
        assert "Only an owner can make someone an owner or change an owner&#x27;s role." in page(
            response
        )
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert membership(team["developer"], team["organization"]).role == Role.DEVELOPER
    assert audit_since(mark) == []


def test_the_last_owner_cannot_be_demoted(alice_client, team):
    mark = audit_mark()

    response = change_role(alice_client, team["owner"], team["organization"], Role.ADMIN)

    assert response.status_code == 400
    assert "You are the organization&#x27;s last owner." in page(response)
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert audit_since(mark) == []


def test_an_unknown_role_is_refused(alice_client, team):
    response = change_role(alice_client, team["viewer"], team["organization"], "superhero")
    assert response.status_code == 400
    assert "Choose a role." in page(response)
    assert membership(team["viewer"], team["organization"]).role == Role.VIEWER


# --- Removing and leaving --------------------------------------------------------------------


def remove(client, user, organization):
    return client.post(reverse("team_member_remove", args=[membership(user, organization).pk]))


def test_an_owner_removes_a_member(alice_client, team):
    mark = audit_mark()

    response = remove(alice_client, team["developer"], team["organization"])

    assert response.status_code == 302
    assert not Membership.objects.filter(user=team["developer"]).exists()
    only_entry(mark, AuditEvent.Action.MEMBER_REMOVE, team["owner"], "developer@example.com")
    assert "developer@example.com was removed from Alice Fintech." in page(alice_client.get(TEAM))


def test_an_admin_cannot_remove_an_owner(client, team):
    client.force_login(team["admin"])
    response = remove(client, team["owner"], team["organization"])
    assert response.status_code == 400
    assert "Only an owner can remove an owner." in page(response)
    assert Membership.objects.filter(user=team["owner"]).exists()


def test_nobody_removes_themselves_they_leave(alice_client, team):
    response = remove(alice_client, team["owner"], team["organization"])
    assert response.status_code == 400
    assert "use Leave organization" in page(response)
    assert Membership.objects.filter(user=team["owner"]).exists()


def test_a_member_leaves_and_lands_home(client, team):
    client.force_login(team["developer"])
    mark = audit_mark()

    response = client.post(reverse("team_leave"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(user=team["developer"]).exists()
    only_entry(mark, AuditEvent.Action.MEMBER_LEAVE, team["developer"], "developer@example.com")


def test_the_last_owner_cannot_leave(alice_client, team):
    mark = audit_mark()

    response = alice_client.post(reverse("team_leave"))

    assert response.status_code == 400
    assert "You are the organization&#x27;s last owner. Transfer ownership" in page(response)
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert audit_since(mark) == []


def test_after_leaving_the_next_organization_becomes_current(client, team, charlie):
    other = organization_of(charlie)
    Membership.objects.create(user=team["developer"], organization=other, role=Role.VIEWER)
    client.force_login(team["developer"])

    client.post(reverse("team_leave"))

    home = client.get(reverse("home"))
    assert "You left Alice Fintech." in page(home)
    assert '<span class="topbar__org" title="Organization">Charlie Bank</span>' in page(home)


def test_a_user_without_an_organization_is_told_so_at_home(client, team):
    client.force_login(team["developer"])

    home = client.post(reverse("team_leave"), follow=True)

    assert home.status_code == 200
    html = page(home)
    assert "You are not in an organization" in html
    assert "invite developer@example.com" in html


# --- Ownership, two-factor log-in, deletion --------------------------------------------------


def test_an_owner_transfers_ownership_and_becomes_an_admin(alice_client, team):
    mark = audit_mark()
    to = membership(team["developer"], team["organization"])

    response = alice_client.post(reverse("team_transfer"), {"member": to.pk})

    assert response.status_code == 302
    assert membership(team["developer"], team["organization"]).role == Role.OWNER
    assert membership(team["owner"], team["organization"]).role == Role.ADMIN
    entry = only_entry(
        mark, AuditEvent.Action.OWNERSHIP_TRANSFER, team["owner"], "developer@example.com"
    )
    assert entry.details == {"old_role": "developer"}


def test_ownership_goes_only_to_a_member_of_the_organization(alice_client, team, charlie):
    outsider = membership(charlie, organization_of(charlie))
    mark = audit_mark()

    response = alice_client.post(reverse("team_transfer"), {"member": outsider.pk})

    assert response.status_code == 400
    assert "Choose a member of this organization." in page(response)
    assert membership(team["owner"], team["organization"]).role == Role.OWNER
    assert outsider.role == Membership.objects.get(pk=outsider.pk).role
    assert audit_since(mark) == []


def test_requiring_two_factor_is_refused_while_the_owner_has_none(alice_client, team):
    mark = audit_mark()

    response = alice_client.post(reverse("team_two_factor"), {"required": "on"})

    assert response.status_code == 400
    assert "Set up two-factor log-in for your own account first." in page(response)
    assert not Organization.objects.get(pk=team["organization"].pk).require_two_factor
    assert audit_since(mark) == []


def test_recovery_codes_alone_do_not_count_as_two_factor(alice_client, team):
    RecoveryCodes.activate(team["owner"])

    response = alice_client.post(reverse("team_two_factor"), {"required": "on"})

    assert response.status_code == 400
    assert not Organization.objects.get(pk=team["organization"].pk).require_two_factor


def test_an_owner_with_two_factor_requires_it_and_lifts_it(alice_client, team):
    TOTP.activate(team["owner"], generate_totp_secret())
    organization = team["organization"]
    mark = audit_mark()

    response = alice_client.post(reverse("team_two_factor"), {"required": "on"})

    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).require_two_factor
    entry = only_entry(mark, AuditEvent.Action.MFA_REQUIRE, team["owner"], str(organization.pk))
    assert entry.details == {"required": True}
    assert "Every member needs two-factor log-in." in page(alice_client.get(TEAM))

    mark = audit_mark()
    assert alice_client.post(reverse("team_two_factor"), {}).status_code == 302
    assert not Organization.objects.get(pk=organization.pk).require_two_factor
    assert only_entry(
        mark, AuditEvent.Action.MFA_REQUIRE, team["owner"], str(organization.pk)
    ).details == {"required": False}


def test_deleting_the_organization_needs_its_exact_name(alice_client, team, make_app):
    make_app(team["owner"])

    response = alice_client.post(reverse("team_delete"), {"confirm_name": "alice fintech"})

    assert response.status_code == 400
    assert "Type the organization&#x27;s name exactly as shown to confirm." in page(response)
    assert Organization.objects.filter(pk=team["organization"].pk).exists()
    assert App.objects.count() == 1


def test_an_owner_deletes_the_organization_with_everything_in_it(alice_client, team, make_app):
    make_app(team["owner"])
    organization = team["organization"]

    response = alice_client.post(reverse("team_delete"), {"confirm_name": "Alice Fintech"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert not Membership.objects.filter(organization_id=organization.pk).exists()
    assert not App.objects.exists()
    # The organization's audit log goes with it: there is no organization left to log under.
    assert not AuditEvent.objects.filter(organization_id=organization.pk).exists()
    assert "Alice Fintech was deleted." in page(alice_client.get(reverse("home")))


# --- Who may do what -------------------------------------------------------------------------


def post_urls(team, invitation) -> dict[str, str]:
    developer = membership(team["developer"], team["organization"])
    return {
        "team_invite": INVITE,
        "team_invitation_resend": reverse("team_invitation_resend", args=[invitation.pk]),
        "team_invitation_cancel": reverse("team_invitation_cancel", args=[invitation.pk]),
        "team_member_role": reverse("team_member_role", args=[developer.pk]),
        "team_member_remove": reverse("team_member_remove", args=[developer.pk]),
        "team_transfer": reverse("team_transfer"),
        "team_two_factor": reverse("team_two_factor"),
        "team_delete": reverse("team_delete"),
    }


FORMS = {
    "team_invite": {"email": "mallory@example.com", "role": "viewer"},
    "team_member_role": {"role": "viewer"},
    "team_transfer": {},
    "team_two_factor": {"required": ""},
    "team_delete": {"confirm_name": "Alice Fintech"},
}
OWNER_ONLY = {"team_transfer", "team_two_factor", "team_delete"}


@pytest.mark.parametrize("role", ["developer", "viewer", "admin"])
def test_roles_without_the_permission_get_403_and_nothing_changes(
    client, team, role, django_capture_on_commit_callbacks
):
    invite(client_for(client, team["owner"]), django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    developer = membership(team["developer"], team["organization"])
    client.force_login(team[role])
    mark = audit_mark()

    for name, url in post_urls(team, invitation).items():
        if role == "admin" and name not in OWNER_ONLY:
            continue
        response = client.post(url, FORMS.get(name, {}))
        assert response.status_code == 403, name

    assert audit_since(mark) == []
    assert Organization.objects.filter(pk=team["organization"].pk).exists()
    assert Invitation.objects.get().open
    assert Membership.objects.get(pk=developer.pk).role == Role.DEVELOPER


def test_an_outsider_gets_404_for_another_organizations_invitation_or_member(
    client, team, charlie, django_capture_on_commit_callbacks
):
    invite(client_for(client, team["owner"]), django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    client.force_login(charlie)  # owner of Charlie Bank: every permission, in another org

    for name in (
        "team_invitation_resend",
        "team_invitation_cancel",
        "team_member_role",
        "team_member_remove",
    ):
        response = client.post(post_urls(team, invitation)[name], {"role": "viewer"})
        assert response.status_code == 404, name
    assert Invitation.objects.get().open
    assert membership(team["developer"], team["organization"]).role == Role.DEVELOPER


def test_opening_a_form_url_lands_on_the_team_page(
    alice_client, team, django_capture_on_commit_callbacks
):
    invite(alice_client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    urls = {**post_urls(team, invitation), "team_leave": reverse("team_leave")}

    for name, url in urls.items():
        response = alice_client.get(url)
        assert (response.status_code, response["Location"]) == (302, TEAM), name
    assert Invitation.objects.get().open


def test_without_an_organization_the_team_page_sends_you_home(client, make_user):
    client.force_login(make_user("nobody@example.com", organization=None))
    response = client.get(TEAM)
    assert (response.status_code, response["Location"]) == (302, reverse("home"))


# --- The organization switcher ---------------------------------------------------------------


@pytest.fixture
def alice_in_two(alice, charlie, make_app):
    """Alice owns Alice Fintech and is a developer of Charlie Bank; each has one app."""
    make_app(alice, name="Alice sandbox")
    make_app(charlie, name="Charlie sandbox")
    Membership.objects.create(
        user=alice, organization=organization_of(charlie), role=Role.DEVELOPER
    )
    return alice


def switch(client, organization):
    return client.post(reverse("organization_switch"), {"organization": organization.pk})


def test_switching_organization_changes_the_visible_apps(alice_client, alice_in_two, charlie):
    charlie_bank = organization_of(charlie)
    before = page(alice_client.get(reverse("apps:list")))
    assert "Alice sandbox" in before and "Charlie sandbox" not in before

    response = switch(alice_client, charlie_bank)

    assert (response.status_code, response["Location"]) == (302, reverse("home"))
    assert alice_client.session[selectors.SESSION_KEY] == charlie_bank.pk
    home = page(alice_client.get(reverse("home")))
    assert "You are now working in Charlie Bank." in home
    after = page(alice_client.get(reverse("apps:list")))
    assert "Charlie sandbox" in after and "Alice sandbox" not in after


def test_the_top_bar_lists_the_organizations_of_a_user_in_several(
    alice_client, alice_in_two, charlie
):
    html = page(alice_client.get(reverse("home")))

    assert reverse("organization_switch") in html
    for organization in Organization.objects.all():
        assert f'name="organization" value="{organization.pk}"' in html
    assert re.search(r'aria-current="true">Alice Fintech</button>', html)


def test_a_user_in_one_organization_has_no_switcher(alice_client, charlie):
    html = page(alice_client.get(reverse("home")))
    assert reverse("organization_switch") not in html
    assert "Charlie Bank" not in html


def test_nobody_switches_to_an_organization_they_are_not_in(alice_client, alice, charlie):
    response = switch(alice_client, organization_of(charlie))

    assert response.status_code == 404
    assert selectors.SESSION_KEY not in alice_client.session
    assert "Alice Fintech" in page(alice_client.get(reverse("home")))


@pytest.mark.parametrize(
    "value",
    [
        "x",
        "",
        "0",
        "1e5",
        "\x00",
        # Beyond a 64-bit id: SQLite raised OverflowError on them.
        "9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999",
    ],
)
def test_a_switch_without_an_organization_is_a_400(alice_client, alice_in_two, value):
    response = alice_client.post(reverse("organization_switch"), {"organization": value})
    assert response.status_code == 400
    assert page(response) == "Choose an organization."
    assert selectors.SESSION_KEY not in alice_client.session


def test_the_last_owner_is_offered_no_role_change_of_their_own(alice_client, alice):
    membership = Membership.objects.get(user=alice)
    page = alice_client.get(reverse("team_index")).content.decode()
    assert reverse("team_member_role", args=[membership.pk]) not in page
