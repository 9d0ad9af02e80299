"""Writes of the members app: enrolment and status changes."""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import ApplicationError, not_found

from . import signals
from .models import Erasure, Member
from .validation import check_birthday, check_email, check_phone


def lock_member(member_id: int) -> Member:
    """The member row, locked until the end of the transaction (``Member.lock``)."""
    try:
        return Member.lock(member_id)
    except Member.DoesNotExist:
        raise not_found("member", member_id, field="member") from None


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
    email = check_email(email)
    external_id = (external_id or "").strip() or None
    if enrolled_at is not None and timezone.is_naive(enrolled_at):
        raise ApplicationError("The enrolment date must include a time zone.", field="enrolled_at")
    if Member.objects.with_email(email).exists():
        raise ApplicationError(
            f"A member with the email {email} already exists.",
            code="duplicate_member",
            field="email",
        )
    if external_id and Member.objects.filter(external_id=external_id).exists():
        raise ApplicationError(
            f"A member with the external id {external_id} already exists.",
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
            f"A member with the email {email} already exists.",
            code="duplicate_member",
            field="email",
        ) from None


@transaction.atomic
def set_member_status(*, member_id: int, status: str) -> Member:
    if status not in Member.Status.values:
        raise ApplicationError(
            f"{status!r} is not a membership status (active, suspended or closed).", field="status"
        )
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
    phone: str | None = None,
) -> Member:
    """A member's own changes to their profile (``phone=None`` leaves the number as it is).

    The birthday drives a birthday bonus, so a member sets it once; after that only
    staff change it (in the admin), which stops a birthday moved to collect it twice.
    """
    member = Member.lock(member_id)
    if member.status == Member.Status.CLOSED:
        raise ApplicationError("This membership is closed.", code="member_not_active")
    if birthday is not None and member.birthday is not None and birthday != member.birthday:
        raise ApplicationError(
            _("Your birthday is already set: ask us to correct it."),
            code="birthday_set",
            field="birthday",
        )
    check_birthday(birthday)
    fields = ["first_name", "last_name", "birthday", "email_offers", "sms_offers", "updated_at"]
    if phone is not None:
        member.phone = check_phone(phone)
        fields.append("phone")
    member.first_name = first_name.strip()[:150]
    member.last_name = last_name.strip()[:150]
    member.birthday = member.birthday or birthday
    member.email_offers = email_offers
    member.sms_offers = sms_offers
    member.save(update_fields=fields)
    return member


@transaction.atomic
def set_language(*, member_id: int, language: str) -> Member:
    """The language the member reads the portal and their emails in (one of ``LANGUAGES``)."""
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError("This language is not offered.", field="language")
    member = Member.lock(member_id)
    if member.language != language:
        member.language = language
        member.save(update_fields=["language", "updated_at"])
    return member


def membership_for(user) -> tuple[Member | None, bool]:
    """The login's membership, and whether this call created it (the portal's first page).

    A customer who already exists as a member (e.g. imported) claims it with the
    verified email address of their login; a verified login whose address matches no
    member joins the program. An unverified address never claims nor joins, so nobody
    takes over a membership by signing up with someone else's email. A staff login is
    not a customer: it joins only by being enrolled.
    """
    member = Member.objects.filter(user=user).first()
    if member is not None or not user.email:
        return member, False
    if not user.emailaddress_set.filter(email__iexact=user.email, verified=True).exists():
        return None, False
    member = Member.objects.with_email(user.email).first()
    if member is not None:
        if member.user_id is not None:  # another login holds it: never hand it over
            return None, False
        return _link_login(member, user), False
    if user.is_staff:
        return None, False
    try:
        member = enroll_member(
            email=user.email, first_name=user.first_name, last_name=user.last_name
        )
    except ApplicationError:  # enrolled concurrently (a double click): use that one
        member = Member.objects.with_email(user.email).filter(user__isnull=True).first()
        if member is None:
            return None, False
    return _link_login(member, user), True


def _link_login(member: Member, user) -> Member:
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return member


def end_login(*, user) -> None:
    """The login can no longer sign in, and its open sessions end at their next request.

    Inactive users are refused by the authentication backends, and an unusable password
    changes the session hash that every session is checked against.
    """
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])


ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never receive mail


@transaction.atomic
def erase_personal_data(*, member_id: int, reason: str, user=None) -> Erasure:
    """Erase a closed member's personal data on their request (the right to erasure).

    Names, email, phone, birthday, external id, consents and the login go; the member row
    stays, anonymised, with its purchases and ledger, so every report still reconciles.
    Other apps remove what they hold through ``signals.personal_data_erased``.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Give the reason for the erasure.", field="reason")
    member = lock_member(member_id)
    if member.status != Member.Status.CLOSED:
        raise ApplicationError(
            "Close the membership before erasing its personal data.",
            code="member_not_closed",
            field="member",
        )
    if Erasure.objects.filter(member=member).exists():
        raise ApplicationError("This member's data is already erased.", code="already_erased")
    email, login = member.email, member.user
    member.email = f"erased-{member.pk}@{ERASED_DOMAIN}"
    member.first_name = member.last_name = ""
    member.birthday = member.external_id = member.user = None
    member.email_offers = member.sms_offers = False
    member.phone = ""
    member.save(
        update_fields=[
            *("email", "first_name", "last_name", "birthday", "external_id", "user"),
            *("email_offers", "sms_offers", "phone", "updated_at"),
        ]
    )
    if login is not None:
        _erase_login(login, member.email)
    erasure = Erasure.objects.create(member=member, reason=reason[:255], erased_by=user)
    signals.personal_data_erased.send(sender=Member, member=member, email=email)
    return erasure


def _erase_login(login, email: str) -> None:
    """The member's login goes: deleted, or anonymised if staff records point to it."""
    login.emailaddress_set.all().delete()
    try:
        with transaction.atomic():
            login.delete()
    except ProtectedError:
        login.email, login.first_name, login.last_name = email, "", ""
        login.save(update_fields=["email", "first_name", "last_name"])
        end_login(user=login)
