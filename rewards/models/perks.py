"""Tier perks that act: points or a reward granted once on reaching a tier."""

from django.db import models

from members.models import Tier

from ..validation import Within
from .catalog import Reward


class TierWelcome(models.Model):
    """What a member receives on reaching ``tier``: points, a reward's code, or both.

    Granted once per tier per calendar year (a ledger entry or a redemption keyed on the
    member, the tier and the year), however often the member drops and climbs back.
    """

    tier = models.OneToOneField(Tier, on_delete=models.CASCADE, related_name="welcome")
    points = models.PositiveIntegerField(
        default=0,
        validators=[Within("points", "welcome points", allow_zero=True)],
        help_text="Points credited on reaching the tier (0: none).",
    )
    reward = models.ForeignKey(
        Reward,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="A reward given free on reaching the tier (its code is emailed).",
    )

    class Meta:
        verbose_name = "tier welcome gift"

    def __str__(self) -> str:
        return f"Welcome to {self.tier.name}"
