from django.db import models

from apps.models import App


class Outcome(models.TextChoices):
    ISSUED = "issued", "Tokens issued"
    INVALID_CLIENT = "invalid_client", "Client authentication failed"
    INVALID_SCOPE = "invalid_scope", "Scope not allowed"
    INVALID_REQUEST = "invalid_request", "Malformed request"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type", "Unsupported grant type"
    THROTTLED = "throttled", "Throttled"


class UsageCount(models.Model):
    """Token requests of one app, secret, outcome and hour.

    Written only by api.usage._add: the fold (api.usage.usage_fold) adds counts kept in Redis
    by the token endpoint, and without Redis each process's buffer adds its own. `secret_pk`
    is the client secret's id, or 0 when the request named the app but no secret of it: a
    plain integer so that (app, secret, hour, outcome) is a unique key on every database (a
    nullable column would let NULLs repeat).
    """

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="usage_counts")
    secret_pk = models.BigIntegerField(default=0)
    hour = models.DateTimeField()
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "secret_pk", "hour", "outcome"], name="api_usagecount_one_row"
            ),
        ]
        indexes = [models.Index(fields=["app", "hour"], name="api_usage_app_hour_idx")]

    def __str__(self) -> str:
        return f"{self.app_id} {self.hour:%Y-%m-%d %H}:00 {self.outcome} {self.count}"


class UsageFold(models.Model):
    """A batch of counts already added to UsageCount: folding the same batch twice is a no-op."""

    batch = models.CharField(max_length=64, unique=True)
    folded_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.batch
