"""Pass 2's rows of one batch: purchases, lines, earn entries and lots for the ``Writer``.

A row of a member with a debt, or refunded before the export, goes through the live
services instead (``record_purchase``, ``refund_purchase``), as a live purchase would.
"""

from members.models import Member

from ..models import (
    LedgerEntry,
    PointLot,
    Purchase,
)
from ..purchases.earned import (
    credit_dates,
    earn_description,
    earn_key,
    no_points_breakdown,
    no_points_reason,
)
from ..purchases.recording import record_purchase
from ..purchases.refunds import refund_purchase
from .columns import Row
from .members import BASE_TIER
from .writer import Breakdown


class BatchRows:
    """The ``Importer``'s rows to write for one batch (a mixin of the importer's state)."""

    def _purchase_rows(self, batch: list[Row], found: tuple) -> tuple[list, list, list]:
        """The batch's purchase rows, what each earns (``purchases.earned``), and the rows of
        members with a debt, which go through the service (it settles the debt first)."""
        existing, by_email, by_ext = found
        report = self.report
        purchases, plans, fallback = [], [], []
        for row in batch:
            if (row.channel, row.order_id) in existing:
                continue  # counted in pass 1 (identical: skipped; changed: reported)
            member = by_ext.get(row.customer_id) if row.customer_id else None
            if member is None and row.email:
                member = by_email.get(row.email_key)
            channel = self.channels[row.channel]
            result, breakdown = self._earn(row, channel, member.tier if member else BASE_TIER)
            points, status, refunded = result.points, Purchase.Status.COMPLETED, row.refunded
            if row.status == "partially_refunded":
                status = Purchase.Status.PARTIALLY_REFUNDED
                report.partially_refunded += 1
            reason = no_points_reason(
                member, award_points=self.options.award_points, refunded=row.status == "refunded"
            )
            if reason is not None:
                points, breakdown = 0, Breakdown(no_points_breakdown(reason))
            if row.status == "refunded":
                status, refunded = Purchase.Status.REFUNDED, row.amount
                report.refunded += 1
            elif member is None:
                report.without_member += 1
            if points > 0 and (member.points_balance < 0 or refunded):
                # A debt to settle, or points on what the customer kept (a refund in
                # proportion): the services do it, as for a live purchase and refund.
                fallback.append((row, member))
                continue
            purchases.append(
                (channel.pk, row.order_id, member.pk if member else None, row.purchased_at,
                 self.program.currency, row.amount, row.shipping, row.tax,
                 result.eligible_amount, refunded, status, points, breakdown, self.now,
                 *self._allocation(row, points))
            )  # fmt: skip
            plans.append((row, member, points))
        return purchases, plans, fallback

    def _ledger_rows(self, ids, plans, touched: set[int]) -> tuple[list, list, list]:
        """The purchases' lines, earn entries and lots, dated by ``purchases.earned``."""
        now, report = self.now, self.report
        lines, entries, lots = [], [], []
        for pk, (row, member, points) in zip(ids, plans, strict=True):
            for ln in self._lines(row) if (row.lines or row.sku or row.category) else ():
                lines.append((pk, ln.sku, ln.category, ln.quantity, ln.amount, False, False))
            if points <= 0:
                continue
            touched.add(member.pk)
            credit = credit_dates(
                self.program,
                row.purchased_at,
                now=now,
                as_of_today=self.options.points_as_of_today,
                expiry=self._expiry,
            )
            pending, effective = credit.pending(now), credit.effective_at
            entries.append(
                (member.pk, LedgerEntry.Kind.EARN, 0 if pending else points,
                 points if pending else 0, 0, earn_description(row.order_id), "", pk,
                 self.reference, now, effective, earn_key(pk))
            )  # fmt: skip
            # Already past its date: stored at zero, expired by one statement at the end.
            expired = not pending and credit.expires_at is not None and credit.expires_at <= now
            status = PointLot.Status.PENDING if pending else PointLot.Status.AVAILABLE
            lots.append(
                (
                    member.pk,
                    None,
                    pk,
                    status,
                    False,
                    points,
                    0 if expired else points,
                    effective,
                    credit.pending_until if pending else None,
                    credit.expires_at,
                )
            )  # the entry's id (None) is filled once the entries are written
            report.points_awarded += points
            if pending:
                report.points_pending += points
        return lines, entries, lots

    def _through_service(self, row: Row, member: Member, touched: set[int]) -> int:
        purchase = record_purchase(
            channel=row.channel,
            order_id=row.order_id,
            amount=row.amount,
            currency=self.program.currency,
            purchased_at=row.purchased_at,
            member_id=member.pk,
            shipping_amount=row.shipping,
            tax_amount=row.tax,
            lines=[
                {
                    "amount": ln.amount,
                    "sku": ln.sku,
                    "category": ln.category,
                    "quantity": ln.quantity,
                }
                for ln in self._lines(row)
            ]
            if (row.lines or row.sku or row.category)
            else None,
        )
        points = purchase.points_earned
        if row.refunded:
            refund = refund_purchase(
                purchase_id=purchase.pk,
                amount=row.refunded,
                refund_id="before-import",
                reason="Refunded before the import",
                refunded_at=row.purchased_at,  # the export does not say when: at the latest
            )
            points -= refund.points_reversed + refund.shortfall
        touched.add(member.pk)
        member.points_balance = Member.objects.values_list("points_balance", flat=True).get(
            pk=member.pk
        )  # remembered for the member's next rows
        self.report.purchases_created += 1
        self.report.points_awarded += points
        self._preview([(row, member, points)], [purchase.pk])
        return purchase.pk

    def _preview(self, plans, ids) -> None:
        room = self.options.preview_rows - len(self.report.preview)
        if room <= 0:
            return
        for row, member, points in plans[:room]:
            self.report.preview.append(
                {
                    "row": row.row,
                    "order_id": row.order_id,
                    "member": member.email if member else "",
                    "purchased_at": row.purchased_at.isoformat(),
                    "amount": str(row.amount),
                    "status": row.status,
                    "points": points,
                }
            )
