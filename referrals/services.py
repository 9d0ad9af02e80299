"""Writes of referrals: codes, attaching a referee, review (rewards: ``rewarding``).

Flow: a referee is attached (signup with the link, or a purchase with the code) after
the fraud checks; the referee's first purchase of at least the minimum amount qualifies
the referral; once that purchase's return window has passed, ``pay_due_referrals``
credits both sides (ledger entries of kind ``referral``). A refund that takes the
qualifying purchase below the minimum cancels the referral, and takes the points back
if they were already paid. Suspicious referrals wait for staff approval.

Web signup: the link ``/r/<code>/`` stores the code in the session
(``remember_referral_code``); whoever creates the member for a signup then calls
``apply_referral_from_session(request, member)``.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from loyalty.codes import random_code
from loyalty.db import retry_on_conflict
from loyalty.errors import ApplicationError, not_found
from members.models import Member
from members.services import lock_member
from rewards.models import Purchase

from .models import Referral, ReferralCode, ReferralSettings
from .rewarding import qualify

log = logging.getLogger(__name__)

CODE_LENGTH = 10  # 32^10 = 2^50 codes: not guessable by trying
SESSION_KEY = "referral_code"
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def normalized_email(email: str) -> str:
    """The mailbox an address really reaches: no +tag, and no dots for Gmail-style domains."""
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def new_code() -> str:
    return random_code(CODE_LENGTH)


def clean_code(code: str) -> str:
    return "".join((code or "").split()).upper().replace("-", "")


def ensure_referral_code(*, member_id: int) -> ReferralCode:
    """The member's referral code, created on first use."""
    found = ReferralCode.objects.filter(member_id=member_id).first()
    if found is not None:
        return found
    if not Member.objects.filter(pk=member_id).exists():
        raise not_found("member", member_id, field="member")
    for _ in range(5):
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(member_id=member_id, code=new_code())
        except IntegrityError:  # a code collision (astronomically rare) or a concurrent create
            found = ReferralCode.objects.filter(member_id=member_id).first()
            if found is not None:
                return found
    raise ApplicationError(
        "A referral code could not be created: please try again.", code="code_collision"
    )


def record_share(*, member_id: int) -> ReferralCode:
    """The member shared their code (portal share button): counts in the funnel."""
    code = ensure_referral_code(member_id=member_id)
    if code.shared_at is None:
        ReferralCode.objects.filter(pk=code.pk, shared_at__isnull=True).update(
            shared_at=timezone.now()
        )
        code.refresh_from_db(fields=["shared_at"])
    return code


def remember_referral_code(request, code: str) -> ReferralCode | None:
    """Store a valid code from a referral link in the session and count the visit."""
    found = ReferralCode.objects.filter(code=clean_code(code), active=True).first()
    if found is None:
        return None
    ReferralCode.objects.filter(pk=found.pk).update(visits=F("visits") + 1)
    request.session[SESSION_KEY] = found.code
    return found


def apply_referral_from_session(request, member: Member) -> Referral | None:
    """Attach the member just created at signup to the referrer of the link they followed.

    A code that fails the checks (self-referral...) is dropped silently: the signup
    itself must succeed.
    """
    code = request.session.pop(SESSION_KEY, None)
    if not code:
        return None
    try:
        return attach_referral(
            referee_member_id=member.pk, code=code, source=Referral.Source.SIGNUP
        )
    except ApplicationError as exc:
        log.info("referral code %s not applied to member %s: %s", code, member.pk, exc)
        return None


def _refuse_self_referral(referrer: Member, referee: Member) -> None:
    same = (
        referrer.pk == referee.pk
        or referrer.email.lower() == referee.email.lower()
        or normalized_email(referrer.email) == normalized_email(referee.email)
        or (referrer.external_id and referrer.external_id == referee.external_id)
        or (referrer.user_id and referrer.user_id == referee.user_id)
    )
    if same:
        raise ApplicationError(
            "A member cannot refer themselves.", code="self_referral", field="code"
        )


def _suspicion(referrer: Member, referee: Member, config: ReferralSettings, at: datetime) -> str:
    reasons = []
    recent = Referral.objects.filter(
        referrer=referrer, created_at__gte=at - timedelta(hours=24)
    ).count()
    if config.suspicious_per_day and recent >= config.suspicious_per_day:
        reasons.append(f"{recent + 1} referrals by this referrer within 24 hours")
    mine, theirs = normalized_email(referrer.email), normalized_email(referee.email)
    if mine.split("@")[0] == theirs.split("@")[0]:
        reasons.append("same mailbox name on another domain")
    if Referral.objects.filter(referrer=referee, referee=referrer).exists():
        reasons.append("the referee referred the referrer")
    return "; ".join(reasons)


@retry_on_conflict
@transaction.atomic
def attach_referral(
    *,
    referee_member_id: int,
    code: str,
    source: str = Referral.Source.PURCHASE,
    purchase_id: int | None = None,
    at: datetime | None = None,
) -> Referral:
    """Make a new customer the referee of the code's owner, after the fraud checks.

    Refused with ``unknown_referral_code``, ``self_referral``, ``already_referred``,
    ``not_a_new_customer`` (they bought before, other than ``purchase_id``) or
    ``referrer_not_active``. Suspicious referrals are created ``awaiting_approval``.
    With ``purchase_id`` (bought with the code) that purchase may qualify at once.
    """
    if source not in Referral.Source.values:
        raise ApplicationError(
            f"{source!r} is not a referral source (signup or purchase).", field="source"
        )
    referral_code = _active_code(code)
    referrer = referral_code.member
    for member_id in sorted({referrer.pk, referee_member_id}):  # pk order: no deadlock
        lock_member(member_id)
    referee = Member.objects.get(pk=referee_member_id)
    referrer.refresh_from_db()
    _refuse_self_referral(referrer, referee)
    if Referral.objects.filter(referee=referee).exists():
        raise ApplicationError(
            f"{referee.email} was already referred.", code="already_referred", field="referee"
        )
    if referrer.status != Member.Status.ACTIVE:
        raise ApplicationError(
            "The owner of this referral code is not an active member.",
            code="referrer_not_active",
            field="code",
        )
    purchase = _first_purchase(referee, purchase_id)
    at = at or timezone.now()
    config = ReferralSettings.get()
    suspicion = _suspicion(referrer, referee, config, at)
    referral = Referral.objects.create(
        referrer=referrer,
        referee=referee,
        code=referral_code,
        source=source,
        status=Referral.Status.AWAITING_APPROVAL if suspicion else Referral.Status.PENDING,
        suspicion=suspicion[:255],
        created_at=at,
    )
    if purchase is not None:
        qualify(referral, purchase, config)
    return referral


def _active_code(code: str) -> ReferralCode:
    referral_code = (
        ReferralCode.objects.select_related("member")
        .filter(code=clean_code(code), active=True)
        .first()
    )
    if referral_code is None:
        raise ApplicationError(
            f"The referral code {code!r} is unknown.", code="unknown_referral_code", field="code"
        )
    return referral_code


def _first_purchase(referee: Member, purchase_id: int | None) -> Purchase | None:
    """The referee's purchase made with the code (if any), which must be their first."""
    purchase = None
    if purchase_id is not None:
        purchase = Purchase.objects.filter(pk=purchase_id, member=referee).first()
        if purchase is None:
            raise not_found("purchase", purchase_id, field="purchase")  # not this member's
    earlier = Purchase.objects.filter(member=referee)
    if purchase is not None:
        earlier = earlier.exclude(pk=purchase.pk).filter(purchased_at__lt=purchase.purchased_at)
    if earlier.exists():
        raise ApplicationError(
            f"{referee.email} is already a customer: only new customers can be referred.",
            code="not_a_new_customer",
            field="referee",
        )
    return purchase


def _review(referral_id: int, reason: str) -> tuple[Referral, str]:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("A reason is required.", code="reason_required", field="reason")
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise not_found("referral", referral_id)
    return referral, reason


@transaction.atomic
def approve_referral(*, referral_id: int, reason: str, user=None) -> Referral:
    """Staff clear a suspicious referral: it goes on as if it had not been flagged."""
    referral, reason = _review(referral_id, reason)
    if referral.status != Referral.Status.AWAITING_APPROVAL:
        raise ApplicationError(
            f"This referral is {referral.get_status_display().lower()}, not awaiting approval.",
            code="not_awaiting_approval",
        )
    referral.status = (
        Referral.Status.QUALIFIED if referral.qualifying_purchase_id else Referral.Status.PENDING
    )
    referral.reviewed_by, referral.reviewed_at, referral.review_reason = (
        user,
        timezone.now(),
        reason,
    )
    referral.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    return referral


@transaction.atomic
def reject_referral(*, referral_id: int, reason: str, user=None) -> Referral:
    """Staff refuse a referral: nobody is rewarded for it."""
    referral, reason = _review(referral_id, reason)
    if referral.status not in (
        Referral.Status.AWAITING_APPROVAL,
        Referral.Status.PENDING,
        Referral.Status.QUALIFIED,
    ):
        raise ApplicationError(
            f"This referral is {referral.get_status_display().lower()} and cannot be rejected.",
            code="not_rejectable",
        )
    referral.status = Referral.Status.REJECTED
    referral.reviewed_by, referral.reviewed_at, referral.review_reason = (
        user,
        timezone.now(),
        reason,
    )
    referral.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    return referral
