import uuid
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField

from accounts.encryption import EncryptedTextField
from accounts.models import AppendOnly, Organization, User
from apps.models import App
from products.models import MonthlyVolume, Product

from .uploads import ACCEPTED


class AccessStatus(models.TextChoices):
    """A product's production status for an organization (no request yet: not requested)."""

    REQUESTED = "requested", "Requested"
    UNDER_REVIEW = "under_review", "Under review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ProductionAccessRequest(models.Model):
    """Step 3: an organization asks for production access to one product.

    Its status moves only through kyb.services, with the KYB submission it is reviewed with.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="access_requests"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    apps = models.ManyToManyField(App, related_name="access_requests")
    use_case = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=20, choices=AccessStatus.choices, default=AccessStatus.REQUESTED
    )
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product__position", "product__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "product"], name="kyb_productionaccessrequest_once"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AccessStatus.values),
                name="kyb_productionaccessrequest_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} for {self.organization} ({self.get_status_display()})"


class KybStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Under review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Industry(models.TextChoices):
    LENDING = "lending", "Lending and credit"
    PAYMENTS = "payments", "Payments"
    ACCOUNTING = "accounting", "Accounting and ERP"
    PERSONAL_FINANCE = "personal_finance", "Personal finance"
    BANKING = "banking", "Banking"
    INSURANCE = "insurance", "Insurance"
    ECOMMERCE = "ecommerce", "E-commerce"
    WEALTH = "wealth", "Wealth and investment"
    OTHER = "other", "Other"


class KybStep(models.TextChoices):
    """The KYB's steps, one page each, in this order (kyb.selectors.kyb_progress)."""

    COMPANY = "company", "Company"
    OWNERS = "owners", "Beneficial owners"
    DIRECTORS = "directors", "Directors"
    DOCUMENTS = "documents", "Documents"
    REVIEW = "review", "Review and submit"


class KybSubmission(models.Model):
    """Know Your Business (step 4): one per organization, a draft until it is submitted.

    The review is a state machine (kyb.services.TRANSITIONS):
    draft → submitted → approved | changes requested | rejected; changes requested → submitted.
    Registration number, tax id, owners' dates of birth and documents are encrypted at rest.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="kyb_submission"
    )
    status = models.CharField(max_length=20, choices=KybStatus.choices, default=KybStatus.DRAFT)
    legal_name = models.CharField("Legal entity name", max_length=200, blank=True)
    registration_number = EncryptedTextField("Registration number", blank=True)
    # A keyed digest of the registration number, so staff can find it by exact match.
    registration_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    country = CountryField("Country of registration", blank=True)
    registered_address = models.TextField("Registered address", max_length=500, blank=True)
    tax_id = EncryptedTextField("VAT or tax id", blank=True)
    website = models.URLField(max_length=200, blank=True)
    industry = models.CharField(max_length=20, choices=Industry.choices, blank=True)
    monthly_volume = models.CharField(
        "Expected monthly volume", max_length=10, choices=MonthlyVolume.choices, blank=True
    )
    no_beneficial_owners = models.BooleanField(
        "No person owns 25 % or more of the company", default=False
    )
    reviewer_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who last saved the company step or the owners step's answer (reviewers see it).
    updated_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Last changed by",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "KYB submission"
        permissions = [("review_kybsubmission", "Can review KYB submissions")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=KybStatus.values),
                name="kyb_kybsubmission_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="kyb_kybsubmission_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or f"KYB of {self.organization}"

    @property
    def editable(self) -> bool:
        return self.status in (KybStatus.DRAFT, KybStatus.CHANGES_REQUESTED)


class KybSubmissionUnderReview(KybSubmission):
    """The admin's review queue (kyb.admin): the submissions under review, oldest first. A
    view of KybSubmission with no permissions of its own: who may view KYB sees the queue."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "submission under review"
        verbose_name_plural = "submissions under review"


class BeneficialOwner(models.Model):
    """An ultimate beneficial owner: a person owning 25 % or more."""

    submission = models.ForeignKey(KybSubmission, on_delete=models.CASCADE, related_name="owners")
    full_name = models.CharField("Full name", max_length=200)
    date_of_birth_encrypted = EncryptedTextField()
    nationality = CountryField()
    ownership = models.DecimalField("Ownership (%)", max_digits=5, decimal_places=2)
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ownership__gte=Decimal(25), ownership__lte=Decimal(100)),
                name="kyb_beneficialowner_ownership_range",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def date_of_birth(self) -> date:
        return date.fromisoformat(self.date_of_birth_encrypted)

    @date_of_birth.setter
    def date_of_birth(self, value: date) -> None:
        self.date_of_birth_encrypted = value.isoformat()


class Director(models.Model):
    submission = models.ForeignKey(
        KybSubmission, on_delete=models.CASCADE, related_name="directors"
    )
    full_name = models.CharField("Full name", max_length=200)
    nationality = CountryField()
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.full_name


class DocumentKind(models.TextChoices):
    INCORPORATION = "incorporation", "Certificate of incorporation"
    PROOF_OF_ADDRESS = "proof_of_address", "Proof of address"
    DIRECTOR_ID = "director_id", "ID of a director"


class KybDocument(models.Model):
    """An uploaded document, stored encrypted under a server-made name in the "kyb" storage,
    which has no URL: kyb.views.document_download serves it after a permission check."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey(
        KybSubmission, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    # Sniffed from the bytes, never taken from the browser.
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=100, unique=True)
    # The uploader's own file name, for display only (kyb.uploads.display_name made it safe);
    # the stored name stays random and the download keeps a server-made name.
    original_name = models.CharField(max_length=120, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DocumentKind.values),
                name="kyb_kybdocument_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(size__gt=0, size__lte=10 * 1024 * 1024),
                name="kyb_kybdocument_size_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.display_name})"

    @property
    def display_name(self) -> str:
        return self.original_name or self.download_name

    @property
    def download_name(self) -> str:
        return f"{self.kind.replace('_', '-')}-{str(self.pk)[:8]}{ACCEPTED[self.content_type]}"


# A review history entry's decision is the KYB status it led to, named for the act.
REVIEW_DECISIONS = [
    (status.value, "Submitted" if status == KybStatus.SUBMITTED else status.label)
    for status in KybStatus
    if status != KybStatus.DRAFT
]


class KybReview(AppendOnly):
    """One entry of a submission's review history: who did what, when and why. Append-only."""

    submission = models.ForeignKey(KybSubmission, on_delete=models.CASCADE, related_name="reviews")
    # The status the submission moved to; a submission never goes back to draft.
    decision = models.CharField(max_length=20, choices=REVIEW_DECISIONS)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_email = models.EmailField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "KYB review history entry"
        verbose_name_plural = "KYB review history"

    append_only_message = "Review history is append-only."

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.actor_email or 'system'}"
