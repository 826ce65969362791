"""Every token request is counted per app, secret, outcome and hour; the token path writes to
Redis only, and the beat's fold adds the counts to the database exactly once."""

from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings

from api import usage
from api.models import UsageCount, UsageFold
from apps import credentials, services
from apps.models import ClientSecret

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/oauth/token"


def post(client, **fields):
    return client.post(
        TOKEN, data=urlencode(fields), content_type="application/x-www-form-urlencoded"
    )


def request_each_outcome(client, app, plaintext: str, times: int) -> None:
    for _ in range(times):
        good = {"client_id": app.client_id, "client_secret": plaintext}
        assert post(client, grant_type="client_credentials", **good).status_code == 200
        wrong = {"client_id": app.client_id, "client_secret": credentials.generate()}
        assert post(client, grant_type="client_credentials", **wrong).status_code == 401
        assert (
            post(client, grant_type="client_credentials", scope="no:pe", **good).status_code == 400
        )
        assert post(client, grant_type="password", **good).status_code == 400
        assert post(client, client_id=app.client_id).status_code == 400  # no grant_type


def counts(app) -> dict[tuple[int, str], int]:
    return {
        (row.secret_pk, row.outcome): row.count
        for row in UsageCount.objects.filter(app=app).order_by("secret_pk", "outcome")
    }


def expected(secret, times: int) -> dict[tuple[int, str], int]:
    return {
        (secret.pk, "issued"): times,
        (0, "invalid_client"): times,
        (0, "invalid_scope"): times,
        (0, "unsupported_grant_type"): times,
        (0, "invalid_request"): times,
    }


@pytest.fixture
def issued(sandbox_app, alice):
    secret, plaintext = services.client_secret_create(app=sandbox_app, created_by=alice)
    return sandbox_app, secret, plaintext


def test_without_redis_each_request_is_counted_at_once(client, issued):
    app, secret, plaintext = issued
    request_each_outcome(client, app, plaintext, times=3)
    assert counts(app) == expected(secret, 3)


def test_last_used_moves_only_on_success(client, issued):
    app, secret, plaintext = issued
    wrong = {"client_id": app.client_id, "client_secret": credentials.generate()}
    post(client, grant_type="client_credentials", **wrong)
    post(client, grant_type="password", client_id=app.client_id, client_secret=plaintext)
    post(
        client,
        grant_type="client_credentials",
        scope="x:y",
        client_id=app.client_id,
        client_secret=plaintext,
    )
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at is None
    post(client, grant_type="client_credentials", client_id=app.client_id, client_secret=plaintext)
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at is not None


def test_with_redis_the_token_path_writes_no_count_to_the_database(
    client, issued, redis_usage, django_assert_num_queries
):
    app, secret, plaintext = issued
    good = {"client_id": app.client_id, "client_secret": plaintext}
    # One read: the secret with its app (the catalog's scopes were read by the fixture).
    post(client, grant_type="client_credentials", **good)
    with django_assert_num_queries(1):
        assert post(client, grant_type="client_credentials", **good).status_code == 200
    assert not UsageCount.objects.exists()
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at is None


def test_the_fold_adds_exactly_what_was_counted(client, issued, redis_usage):
    app, secret, plaintext = issued
    request_each_outcome(client, app, plaintext, times=7)
    assert not UsageCount.objects.exists()
    usage.usage_fold()
    assert counts(app) == expected(secret, 7)
    assert ClientSecret.objects.get(pk=secret.pk).last_used_at is not None
    usage.usage_fold()  # nothing new: nothing added
    assert counts(app) == expected(secret, 7)
    request_each_outcome(client, app, plaintext, times=2)
    usage.usage_fold()
    assert counts(app) == expected(secret, 9)
    assert list(redis_usage.scan_iter(match=f"{django_settings.CONSOLE_USAGE_PREFIX}:*")) == []


def fold_failing_with(monkeypatch, error: Exception) -> None:
    """Run a fold whose database writes raise `error`, as a worker dying mid-fold would."""

    def fail(*args, **kwargs):
        raise error

    with monkeypatch.context() as patch:
        patch.setattr(usage, "_add", fail)
        with pytest.raises(type(error)):
            usage.usage_fold()


def test_a_fold_that_stopped_before_its_commit_is_finished_by_the_next(
    client, issued, redis_usage, monkeypatch
):
    app, secret, plaintext = issued
    request_each_outcome(client, app, plaintext, times=4)
    fold_failing_with(monkeypatch, RuntimeError("the worker died"))
    assert not UsageCount.objects.exists() and not UsageFold.objects.exists()
    request_each_outcome(client, app, plaintext, times=1)  # counted while the batch waits
    usage.usage_fold()
    assert counts(app) == expected(secret, 5)


def test_a_fold_that_stopped_after_its_commit_is_not_added_twice(
    client, issued, redis_usage, monkeypatch
):
    app, secret, plaintext = issued
    request_each_outcome(client, app, plaintext, times=3)
    real_delete = redis_usage.__class__.delete

    with monkeypatch.context() as patch:
        # The commit happens, then the worker dies before the batch leaves Redis.
        patch.setattr(
            redis_usage.__class__,
            "delete",
            lambda self, *keys: (_ for _ in ()).throw(RuntimeError("the worker died")),
        )
        with pytest.raises(RuntimeError):
            usage.usage_fold()
    assert counts(app) == expected(secret, 3)
    assert redis_usage.__class__.delete is real_delete
    usage.usage_fold()
    assert counts(app) == expected(secret, 3)
    assert UsageFold.objects.count() == 1


def test_if_redis_is_down_the_count_is_written_directly(client, issued, settings):
    settings.CONSOLE_USAGE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    app, secret, plaintext = issued
    response = post(
        client, grant_type="client_credentials", client_id=app.client_id, client_secret=plaintext
    )
    assert response.status_code == 200
    assert counts(app) == {(secret.pk, "issued"): 1}


def test_the_fold_runs_on_the_beat():
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "api.tasks.usage_fold" in schedule


def test_a_fold_that_fails_for_another_reason_keeps_the_batch(
    client, issued, redis_usage, monkeypatch
):
    from django.db import IntegrityError

    app, secret, plaintext = issued
    request_each_outcome(client, app, plaintext, times=2)
    fold_failing_with(monkeypatch, IntegrityError("a foreign key went away"))
    usage.usage_fold()
    assert counts(app) == expected(secret, 2)


def test_a_throttled_request_is_counted_as_throttled(client, issued, settings):
    settings.CONSOLE_TOKEN_FAILURES_PER_CLIENT = 1
    app, secret, plaintext = issued
    wrong = {"client_id": app.client_id, "grant_type": "client_credentials"}
    statuses = [
        post(client, client_secret=credentials.generate(), **wrong).status_code for _ in range(3)
    ]
    assert statuses == [401, 429, 429]
    assert counts(app) == {(0, "invalid_client"): 1, (0, "throttled"): 2}
