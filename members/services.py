"""Writes of the members app: enrolment and status changes."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.errors import ApplicationError, not_found

from .models import Member
from .validation import check_birthday


def lock_member(member_id: int) -> Member:
    """The member row, locked until the end of the transaction (``Member.lock``)."""
    try:
        return Member.lock(member_id)
    except Member.DoesNotExist:
        raise not_found("member", member_id, field="member") from None


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            f"'{email}' is not a valid email address", code="invalid_email", field="email"
        ) from None
    return email


@transaction.atomic
def enroll_member(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    external_id: str | None = None,
    enrolled_at: datetime | None = None,
    birthday=None,
) -> Member:
    """Create a member. Refuses a second member with the same email or external id."""
    email = normalize_email(email)
    external_id = (external_id or "").strip() or None
    if enrolled_at is not None and timezone.is_naive(enrolled_at):
        raise ApplicationError("enrolled_at must carry a time zone", field="enrolled_at")
    if Member.objects.filter(email__iexact=email).exists():
        raise ApplicationError(
            f"a member with email {email} already exists", code="duplicate_member", field="email"
        )
    if external_id and Member.objects.filter(external_id=external_id).exists():
        raise ApplicationError(
            f"a member with external id {external_id} already exists",
            code="duplicate_member",
            field="external_id",
        )
    try:
        with transaction.atomic():
            return Member.objects.create(
                email=email,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                external_id=external_id,
                enrolled_at=enrolled_at or timezone.now(),
                birthday=check_birthday(birthday),
            )
    except IntegrityError:  # a concurrent enrolment of the same customer won the race
        raise ApplicationError(
            f"a member with email {email} already exists", code="duplicate_member", field="email"
        ) from None


@transaction.atomic
def set_member_status(*, member_id: int, status: str) -> Member:
    if status not in Member.Status.values:
        raise ApplicationError(f"unknown status {status!r}", field="status")
    member = Member.lock(member_id)
    member.status = status
    member.save(update_fields=["status", "updated_at"])
    return member


@transaction.atomic
def update_profile(
    *,
    member_id: int,
    first_name: str,
    last_name: str,
    birthday=None,
    email_offers: bool = False,
    sms_offers: bool = False,
) -> Member:
    """A member's own changes to their profile.

    The birthday drives a birthday bonus, so a member sets it once; after that only
    staff change it (in the admin), which stops a birthday moved to collect it twice.
    """
    member = Member.lock(member_id)
    if member.status == Member.Status.CLOSED:
        raise ApplicationError("this membership is closed", code="member_not_active")
    if birthday is not None and member.birthday is not None and birthday != member.birthday:
        raise ApplicationError(
            "your birthday is already set: ask us to correct it",
            code="birthday_set",
            field="birthday",
        )
    check_birthday(birthday)
    member.first_name = first_name.strip()[:150]
    member.last_name = last_name.strip()[:150]
    member.birthday = member.birthday or birthday
    member.email_offers = email_offers
    member.sms_offers = sms_offers
    member.save(
        update_fields=[
            "first_name",
            "last_name",
            "birthday",
            "email_offers",
            "sms_offers",
            "updated_at",
        ]
    )
    return member
