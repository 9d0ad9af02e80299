"""Member, the login user, and the cached balances that the points ledger keeps."""

import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("an email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A login: staff in the admin, or a member in the portal. The email is the login."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email


def new_card_code() -> str:
    """An unguessable member card code (shown as a QR code), for till and shop look-ups."""
    return secrets.token_urlsafe(12)


class Member(models.Model):
    """A customer in the loyalty program.

    ``points_balance`` (spendable) and ``pending_points`` are caches of the ledger,
    written only by the ledger services in the same transaction as the ledger entry;
    ``verify_ledger`` proves they agree. The balance can be negative only when the
    program allows refunds to leave a debt.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    external_id = models.CharField(
        "external customer id",
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text="The customer's id in the merchant's shop or till system.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(default=timezone.now)
    birthday = models.DateField(null=True, blank=True)
    card_code = models.CharField(
        max_length=32,
        unique=True,
        default=new_card_code,
        editable=False,
        help_text="The code of the member's card (QR), used by tills to look the member up.",
    )
    points_balance = models.IntegerField("spendable points", default=0, editable=False)
    pending_points = models.IntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="member_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(pending_points__gte=0), name="member_pending_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["enrolled_at"])]

    def __str__(self) -> str:
        return self.email

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @classmethod
    def lock(cls, member_id: int) -> "Member":
        """The member row, locked until the end of the transaction.

        Every change to a member's points starts here, so two requests on the same
        member run one after the other (PostgreSQL); SQLite serialises all writers.
        """
        return cls.objects.select_for_update().get(pk=member_id)
