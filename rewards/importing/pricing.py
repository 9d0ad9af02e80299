"""What each imported row earns: the live path's rules, memoised for a million rows."""

from decimal import Decimal

from ..earning.quotes import within_ceiling
from ..earning.rules import Earning, Line, calculate
from ..expiry.policy import lot_expiry
from ..models import (
    Channel,
)
from ..purchases import allocation
from .columns import Row
from .writer import Breakdown


class Pricing:
    """The ``Importer``'s earning, allocation and expiry of a row (a mixin), memoised."""

    def _earn(self, row: Row, channel: Channel, tier: tuple) -> tuple[Earning, Breakdown]:
        """``earning.calculate`` for the row, memoised on everything the result depends on."""
        when = row.purchased_at
        window = tuple(
            not (starts and when < starts)
            and not (ends and when >= ends)
            and not (days and when.isoweekday() not in days)
            for starts, ends, days in self._windows
        )
        lines = tuple((line.sku, line.amount) for line in row.lines) or (
            ((row.sku, row.category),) if (row.sku or row.category) else ()
        )
        key = (channel.pk, row.amount, row.shipping, row.tax, lines, tier, window)
        cached = self._earn_cache.get(key)
        if cached is None:
            result = calculate(
                program=self.program,
                rules=self.settings_now.rules_for(self.tier_ids.get(tier[1])),
                channel=channel,
                amount=row.amount,
                shipping_amount=row.shipping,
                tax_amount=row.tax,
                lines=self._lines(row),
                purchased_at=when,
                tier_multiplier=tier[0],
                tier_name=tier[1],
            )
            within_ceiling(result)  # the settings' bounds make this hold
            cached = (result, Breakdown(result.breakdown))
            if len(self._earn_cache) > 5_000:  # bounded: a few MB
                self._earn_cache.clear()
            self._earn_cache[key] = cached
        return cached

    def _allocation(self, row: Row, points: int) -> tuple:
        """The allocation columns of a purchase (``allocation.for_sale``), memoised."""
        if points <= 0:
            return (Decimal("0.00"), None, None, None)
        key = (row.amount, points, row.purchased_at.date())
        found = self._allocations.get(key)
        if found is None:
            found = allocation.for_sale(
                rates=self.rates,
                amount=row.amount,
                points=points,
                point_value=self.program.point_value,
                at=row.purchased_at,
            )
            found = (found.amount, found.rate, found.point_value, found.estimate_id)
            if len(self._allocations) > 5_000:  # bounded
                self._allocations.clear()
            self._allocations[key] = found
        return found

    def _expiry(self, program, earned_at):
        """``lot_expiry`` of the program, memoised on the date (a million rows, few dates)."""
        day = (earned_at.year, earned_at.month, earned_at.day)
        target = self._expiry_days.get(day, False)
        if target is False:
            expires_at = lot_expiry(program, earned_at)
            target = (
                None if expires_at is None else (expires_at.year, expires_at.month, expires_at.day)
            )
            self._expiry_days[day] = target
        if target is None:
            return None
        return earned_at.replace(year=target[0], month=target[1], day=target[2])

    def _lines(self, row: Row) -> list[Line]:
        goods = row.amount - row.shipping - row.tax
        if row.lines:
            return [Line(amount=ln.amount, sku=ln.sku, quantity=ln.quantity) for ln in row.lines]
        if row.sku or row.category:
            return [Line(amount=goods, sku=row.sku, category=row.category)]
        return []
