"""A referral code given at checkout (``POST /api/v1/purchases/``): attach, or say why not.

The customer bought with a friend's code: the referral is attached exactly as the link
does it (``services.attach_referral``: the same fraud checks), with this purchase as the one
that may qualify it. A refused code never undoes the purchase: the sale happened, so it is
recorded either way and the outcome says what became of the code.
"""

from dataclasses import dataclass

from loyalty.errors import ApplicationError
from rewards.models import Purchase

from .models import Referral
from .services import attach_referral


@dataclass(frozen=True)
class CheckoutReferral:
    code: str
    attached: bool
    referral_id: int | None = None
    status: str | None = None  # the referral's status when attached
    error_code: str | None = None  # why not, when refused
    error: str | None = None


def refer_at_checkout(*, purchase: Purchase, code: str) -> CheckoutReferral:
    """Attach the purchase's member as the referee of ``code``'s owner, or say why not.

    Runs in its own savepoint: a refusal rolls back only the referral, never the purchase.
    """
    if purchase.member_id is None:
        return CheckoutReferral(
            code=code,
            attached=False,
            error_code="no_member",
            error="A referral code needs the member who bought (member_id).",
        )
    try:
        referral = attach_referral(
            referee_member_id=purchase.member_id,
            code=code,
            source=Referral.Source.PURCHASE,
            purchase_id=purchase.pk,
        )
    except ApplicationError as exc:
        return CheckoutReferral(code=code, attached=False, error_code=exc.code, error=exc.message)
    return CheckoutReferral(
        code=code, attached=True, referral_id=referral.pk, status=referral.status
    )
