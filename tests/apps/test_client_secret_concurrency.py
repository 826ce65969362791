"""The five-secret limit and the secret form's one-time token under concurrent requests, on
PostgreSQL.

SQLite lets one writer in at a time, so it would pass these tests whatever the code does:
they run on PostgreSQL only (skipped elsewhere, failed under CONSOLE_STRICT_TESTS=1). Each
round starts 50 threads behind one barrier; every thread has its own database connection, as
every web request does, and calls the service inside its own transaction. The rounds collect
what went wrong and the test fails with the whole list, so one run shows how often it breaks.
"""

import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role, User
from apps import credentials, services
from apps.models import (
    FORM_TOKENS_KEPT,
    MAX_ACTIVE_SECRETS,
    App,
    ClientSecret,
    Ended,
    SecretFormToken,
)
from tests.conftest import PASSWORD, organization_of, skip_or_fail

THREADS = 50
ROUNDS = 24  # k = 0..5 existing secrets, four times each
MIXED_ROUNDS = 20  # 1..5 existing secrets, four times each
SLOTS = set(range(1, MAX_ACTIVE_SECRETS + 1))
# A safety net against a hung round (a lost wakeup, a lock never released), not a timing check.
HANG_SECONDS = 120
FORM_POSTS = 20  # concurrent posts of one form token
FORM_ROUNDS = 10
# The services' ValidationError codes a race may meet.
REFUSALS = ("too_many", "form_used", "not_rollable")
ROLL_ROUNDS = 15  # 1..5 existing secrets, three times each
NOW_ROUNDS = 10  # 1..5 existing secrets, twice each
ROLLERS = 5  # users rolling: each keeps FORM_TOKENS_KEPT open forms, so 50 need five


@dataclass
class Outcome:
    kind: str  # "ok", one of REFUSALS, or "error"
    value: Any = None
    error: str = ""


def _describe(exc: BaseException) -> str:
    # The first line only: a database error's DETAIL line can quote column values.
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line}"


def _race(jobs: list[Callable[[], Any]]) -> list[Outcome]:
    """Run each job in a thread of its own, all released at once, each in its own transaction.

    A thread connects before the start line, so the race is between the jobs and not between
    connection handshakes, and closes its connection when done.
    """
    barrier = threading.Barrier(len(jobs), timeout=HANG_SECONDS)
    outcomes: list[Outcome | None] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            try:
                connection.ensure_connection()
            except Exception as exc:
                barrier.abort()
                outcomes[index] = Outcome("error", error=f"could not connect: {_describe(exc)}")
                return
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                outcomes[index] = Outcome("error", error="the start barrier broke")
                return
            try:
                with transaction.atomic():
                    outcomes[index] = Outcome("ok", value=job())
            except ValidationError as exc:
                if getattr(exc, "code", None) in REFUSALS:
                    outcomes[index] = Outcome(exc.code)
                else:
                    outcomes[index] = Outcome("error", error=_describe(exc))
            except Exception as exc:
                outcomes[index] = Outcome("error", error=_describe(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_SECONDS)
    hung = sum(thread.is_alive() for thread in threads)
    if hung:
        pytest.fail(f"{hung} of {len(threads)} threads were still running after the round")
    return [
        outcome or Outcome("error", error="the thread recorded nothing") for outcome in outcomes
    ]


def _report(violations: Counter) -> str:
    """One line per distinct problem of a round, with how many times it happened."""
    lines = [f"{where}: {count} x {problem}" for (where, problem), count in violations.items()]
    return f"{violations.total()} violations:\n" + "\n".join(lines)


def _errors(outcomes: list[Outcome]) -> list[str]:
    return [outcome.error for outcome in outcomes if outcome.kind == "error"]


def _audit_count(app: App, action: str) -> int:
    return AuditEvent.objects.filter(
        target_type="app", target_id=app.client_id, action=action
    ).count()


def _slot_problems(app: App) -> list[str]:
    secrets = list(ClientSecret.objects.filter(app=app))
    active_slots = [secret.slot for secret in secrets if secret.is_active]
    problems = []
    if len(active_slots) > MAX_ACTIVE_SECRETS:
        problems.append(f"{len(active_slots)} active secrets")
    if len(set(active_slots)) != len(active_slots):
        problems.append(f"active secrets share a slot: {sorted(active_slots)}")
    if not set(active_slots) <= SLOTS:
        problems.append(f"slots outside 1..{MAX_ACTIVE_SECRETS}: {sorted(active_slots)}")
    hashes = [secret.secret_hash for secret in secrets]
    if len(set(hashes)) != len(hashes):
        problems.append("two secrets share a hash")
    return problems


@pytest.fixture
def race_db(transactional_db) -> None:
    """Committed rows that other connections see; only PostgreSQL shows the races."""
    if connection.vendor != "postgresql":
        skip_or_fail(
            "the client secret race tests need PostgreSQL (DATABASE_URL=postgres://...): "
            "SQLite lets one writer in at a time and hides races"
        )


def _new_app(owner, round_: int, existing: int) -> tuple[App, list[ClientSecret]]:
    app = services.app_create(
        organization=organization_of(owner),
        name=f"Race {round_}",
        display_name="Alice Fintech",
        app_type=App.Type.SANDBOX,
        created_by=owner,
    )
    secrets = [
        services.client_secret_create(app=app, created_by=owner, name=f"Existing {n}")[0]
        for n in range(existing)
    ]
    return app, secrets


def _creator(app: App, user, n: int) -> Callable[[], ClientSecret]:
    # Each worker gets its own App instance, as each request loads its own.
    own_app = App.objects.get(pk=app.pk)
    return lambda: services.client_secret_create(app=own_app, created_by=user, name=f"Racer {n}")[0]


def _revoker(secret: ClientSecret, user) -> Callable[[], ClientSecret]:
    own_secret = ClientSecret.objects.select_related("app").get(pk=secret.pk)
    return lambda: services.client_secret_revoke(secret=own_secret, revoked_by=user)


def test_fifty_concurrent_creations_never_exceed_five_active_secrets(race_db, alice):
    violations: Counter = Counter()
    for round_ in range(ROUNDS):
        existing = round_ % (MAX_ACTIVE_SECRETS + 1)
        app, _ = _new_app(alice, round_, existing)
        expected = MAX_ACTIVE_SECRETS - existing

        outcomes = _race([_creator(app, alice, n) for n in range(THREADS)])

        problems = [f"unexpected {error}" for error in _errors(outcomes)]
        created = [outcome.value for outcome in outcomes if outcome.kind == "ok"]
        refused = sum(outcome.kind == "too_many" for outcome in outcomes)
        if len(created) != expected or refused != THREADS - expected:
            problems.append(f"{len(created)} created and {refused} refused, expected {expected}")
        active = ClientSecret.objects.active().filter(app=app)
        slots = sorted(active.values_list("slot", flat=True))
        if slots != sorted(SLOTS):
            problems.append(f"active slots are {slots}, expected {sorted(SLOTS)}")
        if not {secret.pk for secret in created} <= set(active.values_list("pk", flat=True)):
            problems.append("a secret reported as created is not active")
        problems += _slot_problems(app)
        audited = _audit_count(app, AuditEvent.Action.CLIENT_SECRET_CREATE)
        if audited != MAX_ACTIVE_SECRETS:
            problems.append(f"{audited} creations audited, expected {MAX_ACTIVE_SECRETS}")
        violations.update((f"round {round_} (k={existing})", problem) for problem in problems)

    total = violations.total()
    assert total == 0, _report(violations)


def test_creations_mixed_with_revokes_keep_the_limit(race_db, alice, add_member):
    bob = add_member(organization_of(alice), Role.DEVELOPER, email="bob@example.com")
    rng = random.Random(20240613)  # fixed: a failing round can be set up again
    violations: Counter = Counter()
    for round_ in range(MIXED_ROUNDS):
        initial = 1 + round_ % MAX_ACTIVE_SECRETS
        app, existing = _new_app(alice, round_, initial)
        # From one revoker to more revokers than secrets: then some secret is revoked twice.
        revokers = rng.randint(1, THREADS // 2)
        targets = [rng.choice(existing) for _ in range(revokers)]
        creators = THREADS - revokers
        jobs = [("revoke", _revoker(target, bob)) for target in targets]
        jobs += [("create", _creator(app, alice, n)) for n in range(creators)]
        rng.shuffle(jobs)

        outcomes = _race([job for _, job in jobs])

        kinds = [kind for kind, _ in jobs]
        revoke_outcomes = [o for kind, o in zip(kinds, outcomes, strict=True) if kind == "revoke"]
        create_outcomes = [o for kind, o in zip(kinds, outcomes, strict=True) if kind == "create"]

        problems = [f"unexpected {error}" for error in _errors(outcomes)]
        problems += [
            "a revoke was refused as too many"
            for outcome in revoke_outcomes
            if outcome.kind == "too_many"
        ]
        created = sum(outcome.kind == "ok" for outcome in create_outcomes)
        revoked = {target.pk for target in targets}
        active = ClientSecret.objects.active().filter(app=app).count()
        if active != initial + created - len(revoked):
            problems.append(
                f"{active} active after {initial} + {created} created - {len(revoked)} revoked"
            )
        least = min(creators, MAX_ACTIVE_SECRETS - initial)
        most = min(creators, MAX_ACTIVE_SECRETS - initial + len(revoked))
        if not least <= created <= most:
            problems.append(f"{created} created, expected between {least} and {most}")
        problems += _slot_problems(app)
        for secret in ClientSecret.objects.filter(pk__in=revoked):
            if (
                secret.slot is not None
                or secret.revoked_at is None
                or secret.revoked_by_id != bob.pk
            ):
                problems.append(
                    f"revoked secret {secret.pk}: slot={secret.slot}, "
                    f"revoked_at set={secret.revoked_at is not None}, "
                    f"revoked_by={secret.revoked_by_id}"
                )
        untouched = {secret.pk for secret in existing} - revoked
        still_active = ClientSecret.objects.active().filter(pk__in=untouched).count()
        if still_active != len(untouched):
            problems.append(f"{len(untouched) - still_active} secrets nobody revoked are revoked")
        # Revoking a revoked secret is a no-op: it records nothing either.
        audited = _audit_count(app, AuditEvent.Action.CLIENT_SECRET_REVOKE)
        if audited != len(revoked):
            problems.append(f"{audited} revocations audited, expected {len(revoked)}")
        where = f"round {round_} ({initial} active, {revokers} revokers)"
        violations.update((where, problem) for problem in problems)

    total = violations.total()
    assert total == 0, _report(violations)


@pytest.mark.parametrize(
    "slot",
    [
        pytest.param(MAX_ACTIVE_SECRETS + 1, id="slot-6"),
        pytest.param(0, id="slot-0"),
        pytest.param(1, id="slot-1-taken"),
        pytest.param(MAX_ACTIVE_SECRETS, id="slot-5-taken"),
        pytest.param(None, id="no-slot"),
    ],
)
def test_the_database_refuses_a_sixth_active_secret_inserted_around_the_service(
    sandbox_app, alice, slot
):
    for n in range(MAX_ACTIVE_SECRETS):
        services.client_secret_create(app=sandbox_app, created_by=alice, name=f"Key {n}")
    plaintext = credentials.generate()

    with pytest.raises(IntegrityError), transaction.atomic():
        ClientSecret.objects.create(
            app=sandbox_app,
            name="Sixth",
            secret_hash=credentials.hash_secret(plaintext),
            hint=credentials.hint(plaintext),
            slot=slot,
            created_by=alice,
        )

    assert ClientSecret.objects.active().filter(app=sandbox_app).count() == MAX_ACTIVE_SECRETS


# --- One form token, posted many times at once ---------------------------------------------------


def _form_creator(app: App, user, token: str, n: int) -> Callable[[], int]:
    own_app = App.objects.get(pk=app.pk)

    def create() -> int:
        secret, plaintext = services.client_secret_create_from_form(
            app=own_app, created_by=user, form_token=token, name=f"Racer {n}"
        )
        # The id of the secret whose plaintext this caller got; the plaintext goes no further.
        return secret.pk if credentials.matches(plaintext, secret.secret_hash) else -1

    return create


def test_twenty_concurrent_uses_of_one_form_token_create_one_secret(race_db, alice):
    violations: Counter = Counter()
    for round_ in range(FORM_ROUNDS):
        existing = round_ % MAX_ACTIVE_SECRETS  # so there is always room for one more
        app, _ = _new_app(alice, round_, existing)
        token = services.secret_form_token_issue(app=app, user=alice)

        outcomes = _race([_form_creator(app, alice, token, n) for n in range(FORM_POSTS)])

        problems = [f"unexpected {error}" for error in _errors(outcomes)]
        handed_out = [outcome.value for outcome in outcomes if outcome.kind == "ok"]
        spent = sum(outcome.kind == "form_used" for outcome in outcomes)
        if len(handed_out) != 1 or spent != FORM_POSTS - 1:
            problems.append(f"{len(handed_out)} plaintexts handed out and {spent} refused")
        racers = ClientSecret.objects.filter(app=app, name__startswith="Racer")
        if list(racers.values_list("pk", flat=True)) != handed_out[:1] or -1 in handed_out:
            problems.append(f"{racers.count()} secrets created, not the one handed out")
        problems += _slot_problems(app)
        violations.update((f"round {round_} (k={existing})", problem) for problem in problems)

    total = violations.total()
    assert total == 0, _report(violations)


SECRET_FIELD = re.compile(r'<textarea id="client-secret"[^>]*readonly[^>]*>tink_cs_')


def test_twenty_concurrent_posts_of_one_form_make_one_secret_over_http(race_db, live_server, alice):
    """The whole request, as browsers send it: each post in a live server thread of its own,
    with its own connection and ATOMIC_REQUESTS, the password check and the session."""
    app, _ = _new_app(alice, 0, 0)
    session = Client()
    session.force_login(alice)
    cookies = {settings.SESSION_COOKIE_NAME: session.cookies[settings.SESSION_COOKIE_NAME].value}
    url = live_server.url + reverse("apps:client_secret_create", args=[app.client_id])
    # Secure cookies over http: requests would keep them back, so they go in the header.
    header = {"Connection": "close"}
    form = requests.get(url, headers={**header, "Cookie": _cookie(cookies)}, timeout=30)
    assert form.status_code == 200
    cookies[settings.CSRF_COOKIE_NAME] = form.cookies[settings.CSRF_COOKIE_NAME]
    data = {
        name: re.search(rf'name="{name}" value="([^"]+)"', form.text)[1]
        for name in ("csrfmiddlewaretoken", "form_token")
    }
    data["password"] = PASSWORD
    barrier = threading.Barrier(FORM_POSTS, timeout=HANG_SECONDS)
    answers: list[str] = [""] * FORM_POSTS

    def post(index: int) -> None:
        try:
            barrier.wait()
            response = requests.post(
                url,
                data={**data, "name": f"Racer {index}"},
                headers={**header, "Cookie": _cookie(cookies)},
                allow_redirects=False,
                timeout=HANG_SECONDS,
            )
        except Exception as exc:
            answers[index] = f"error {type(exc).__name__}"
            return
        if response.status_code == 200 and SECRET_FIELD.search(response.text):
            answers[index] = "secret shown"
        elif response.status_code == 302 and response.headers["Location"].endswith(
            "/settings/api-client/"
        ):
            answers[index] = "form used"
        else:
            answers[index] = f"status {response.status_code}"

    threads = [threading.Thread(target=post, args=(i,)) for i in range(FORM_POSTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_SECONDS)

    assert Counter(answers) == {"secret shown": 1, "form used": FORM_POSTS - 1}
    assert ClientSecret.objects.filter(app=app).count() == 1


def _cookie(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


# --- Rolls: many at once, each with a form of its own ------------------------------------------


@dataclass
class Rolled:
    new_pk: int
    old_pk: int
    plaintext_matches: bool  # the plaintext handed out is the new secret's; it goes no further


def _rollers(alice, add_member) -> list[User]:
    """Alice and four admins: 50 open roll forms of one app need five users."""
    organization = organization_of(alice)
    others = [
        add_member(organization, Role.ADMIN, email=f"roller-{n}@example.com")
        for n in range(1, ROLLERS)
    ]
    return [alice, *others]


def _roll_jobs(
    app: App, existing: list[ClientSecret], users: list[User], expiry: Callable[[], datetime]
) -> list[Callable[[], Rolled]]:
    """THREADS rolls, thread n rolling existing[n % k] with a form token of its own issued now
    (FORM_TOKENS_KEPT per user, the most each keeps); `expiry()` is the old secret's end,
    worked out when the thread is released, as the roll form works it out when posted."""
    assert THREADS <= FORM_TOKENS_KEPT * len(users)
    jobs = []
    for n in range(THREADS):
        user = User.objects.get(pk=users[n % len(users)].pk)
        token = services.secret_form_token_issue(app=app, user=user)
        own_secret = ClientSecret.objects.select_related("app").get(
            pk=existing[n % len(existing)].pk
        )

        def roll(secret=own_secret, user=user, token=token) -> Rolled:
            new, plaintext, old = services.client_secret_roll_from_form(
                secret=secret, rolled_by=user, form_token=token, old_expires_at=expiry()
            )
            return Rolled(new.pk, old.pk, credentials.matches(plaintext, new.secret_hash))

        jobs.append(roll)
    issued = SecretFormToken.objects.filter(app=app).count()
    assert issued == THREADS, f"{issued} roll forms open before the race, expected {THREADS}"
    return jobs


def _roll_problems(app: App, existing: list[ClientSecret], outcomes: list[Outcome]) -> list[str]:
    """What every round of rolls must show, whatever the expiry: the new secrets are working,
    named as the secrets they replace, and what the callers were told; a refused roll changes
    nothing and leaves its form open; each roll is audited once."""
    problems = [f"unexpected {error}" for error in _errors(outcomes)]
    rolled = [outcome.value for outcome in outcomes if outcome.kind == "ok"]
    names = {secret.pk: secret.name for secret in existing}
    new_secrets = {
        secret.pk: secret
        for secret in ClientSecret.objects.filter(pk__in=[r.new_pk for r in rolled])
    }
    if len(new_secrets) != len(rolled):
        problems.append(f"{len(rolled)} rolls made {len(new_secrets)} distinct secrets")
    now = timezone.now()
    for result in rolled:
        new = new_secrets.get(result.new_pk)
        if new is None or not new.works_at(now) or new.expires_at is not None:
            problems.append("a rolled-in secret is not working, or expires")
        elif new.name != names.get(result.old_pk):
            problems.append(f"a rolled-in secret is named {new.name!r}, not its old one's name")
        if not result.plaintext_matches:
            problems.append("a roll handed out a plaintext that is not its new secret's")
    secrets = ClientSecret.objects.filter(app=app).count()
    if secrets != len(existing) + len(rolled):
        problems.append(f"{secrets} secrets after {len(existing)} + {len(rolled)} rolls")
    open_forms = SecretFormToken.objects.filter(app=app).count()
    if open_forms != THREADS - len(rolled):
        problems.append(f"{open_forms} roll forms open after {len(rolled)} of {THREADS} rolled")
    audited = _audit_count(app, AuditEvent.Action.CLIENT_SECRET_ROLL)
    if audited != len(rolled):
        problems.append(f"{audited} rolls audited, expected {len(rolled)}")
    created = _audit_count(app, AuditEvent.Action.CLIENT_SECRET_CREATE)
    if created != len(existing):
        problems.append(f"{created} creations audited, expected only the {len(existing)} first")
    return problems + _slot_problems(app)


def test_fifty_concurrent_rolls_never_exceed_five_active_secrets(race_db, alice, add_member):
    """The old secret keeps working, and its slot, for an hour: so one secret can be rolled
    again and again, and every roll needs a slot of its own. Of 50 rolls of an app with k
    secrets, exactly 5 - k succeed and the others are refused as too many."""
    users = _rollers(alice, add_member)
    violations: Counter = Counter()
    for round_ in range(ROLL_ROUNDS):
        existing_count = 1 + round_ % MAX_ACTIVE_SECRETS
        app, existing = _new_app(alice, round_, existing_count)
        until = timezone.now() + timedelta(hours=1)
        expected = min(THREADS, MAX_ACTIVE_SECRETS - existing_count)

        outcomes = _race(_roll_jobs(app, existing, users, lambda until=until: until))

        problems = _roll_problems(app, existing, outcomes)
        kinds = Counter(outcome.kind for outcome in outcomes)
        wanted = Counter({"ok": expected, "too_many": THREADS - expected})
        if kinds != +wanted:
            problems.append(f"outcomes {dict(kinds)}, expected {dict(+wanted)}")
        active = ClientSecret.objects.active().filter(app=app)
        slots = sorted(active.values_list("slot", flat=True))
        if slots != sorted(SLOTS):
            problems.append(f"active slots are {slots}, expected {sorted(SLOTS)}")
        rolled_from = {outcome.value.old_pk for outcome in outcomes if outcome.kind == "ok"}
        now = timezone.now()
        for secret in ClientSecret.objects.filter(pk__in=[s.pk for s in existing]):
            wanted_expiry = until if secret.pk in rolled_from else None
            if not secret.works_at(now) or secret.slot is None:
                problems.append("an old secret stopped working before its expiry")
            if secret.expires_at != wanted_expiry:
                problems.append(
                    f"an old secret expires at {secret.expires_at}, expected {wanted_expiry}"
                )
        where = f"round {round_} (k={existing_count}, 1 hour)"
        violations.update((where, problem) for problem in problems)

    total = violations.total()
    assert total == 0, _report(violations)


def test_fifty_concurrent_rolls_ending_the_old_secret_now_roll_each_secret_once(
    race_db, alice, add_member
):
    """The old secret ends in the roll's own transaction and gives its slot back: the app
    keeps k secrets, so each of the k is rolled exactly once (there is always a slot, yet the
    next roll of it finds it no longer working: "not_rollable"). At five of five the new secret
    has no slot to go to before the old one's is freed, and every roll is refused as too many."""
    users = _rollers(alice, add_member)
    violations: Counter = Counter()
    for round_ in range(NOW_ROUNDS):
        existing_count = 1 + round_ % MAX_ACTIVE_SECRETS
        app, existing = _new_app(alice, round_, existing_count)
        full = existing_count == MAX_ACTIVE_SECRETS
        expected = 0 if full else existing_count

        outcomes = _race(_roll_jobs(app, existing, users, timezone.now))

        problems = _roll_problems(app, existing, outcomes)
        kinds = Counter(outcome.kind for outcome in outcomes)
        refusal = "too_many" if full else "not_rollable"
        wanted = Counter({"ok": expected, refusal: THREADS - expected})
        if kinds != +wanted:
            problems.append(f"outcomes {dict(kinds)}, expected {dict(+wanted)}")
        rolled_from = [outcome.value.old_pk for outcome in outcomes if outcome.kind == "ok"]
        if not full and sorted(rolled_from) != sorted(s.pk for s in existing):
            problems.append("the successful rolls are not one of each old secret")
        active = ClientSecret.objects.active().filter(app=app).count()
        if active != existing_count:
            problems.append(f"{active} active secrets after the rolls, expected {existing_count}")
        for secret in ClientSecret.objects.filter(pk__in=[s.pk for s in existing]):
            if full:
                if secret.revoked_at is not None or secret.expires_at is not None:
                    problems.append("a refused roll changed the old secret")
            elif (
                secret.ended_reason != Ended.EXPIRED
                or secret.slot is not None
                or secret.revoked_at is None
                or secret.revoked_at != secret.expires_at
            ):
                problems.append(
                    f"a rolled secret ended as {secret.ended_reason!r} at {secret.revoked_at}, "
                    f"slot={secret.slot}, expiry {secret.expires_at}"
                )
        expired = _audit_count(app, AuditEvent.Action.CLIENT_SECRET_EXPIRE)
        if expired != expected:
            problems.append(f"{expired} expiries audited, expected {expected}")
        where = f"round {round_} (k={existing_count}, now)"
        violations.update((where, problem) for problem in problems)

    total = violations.total()
    assert total == 0, _report(violations)
