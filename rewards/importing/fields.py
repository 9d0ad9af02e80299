"""One row's cells made a ``Row``: who, when, currency, money, status and refund.

Each problem found becomes a ``RowError`` on the row (row number, column, reason).
"""

import re
from decimal import Decimal

from ..earning import currencies
from .columns import (
    COMPLETED,
    NOT_A_SALE,
    PARTIALLY_REFUNDED,
    REFUNDED,
    Line,
    Row,
)
from .values import email_and_key, parse_amount, parse_when


class RowFields:
    """The ``Reader``'s checks of one row's cells (a mixin of the reader's state)."""

    def _add_line(self, row: Row, cells, columns) -> None:
        lc = self.preset.line_columns
        sku = cell_text(cells, columns.get("line_" + lc["sku"]))
        price = cell_text(cells, columns.get("line_" + lc["price"]))
        qty = cell_text(cells, columns.get("line_" + lc["qty"])) or "1"
        if not price:
            return
        try:
            unit, _ = parse_amount(
                price, check=self._amounts["line price"], decimal_comma=self.decimal_comma
            )
            quantity = int(qty)
        except ValueError as exc:
            row.error(lc["price"], str(exc))
            return
        row.lines.append(Line(sku=sku[:100], amount=unit * quantity, quantity=max(quantity, 1)))

    def _header(self, columns, name) -> str:
        index = columns.get(name)
        return self.headers[index] if index is not None else name

    def _row(self, number: int, cells, columns) -> Row:
        row = Row(row=number, raw=[str(c) for c in cells])
        self._who(row, cells, columns)
        self._when_and_currency(row, cells, columns)
        self._money(row, cells, columns)
        self._status(row, cells, columns)
        get = columns.get
        row.sku = cell_text(cells, get("sku"))[:100]
        row.category = cell_text(cells, get("category"))[:100]
        first, last = cell_text(cells, get("first_name")), cell_text(cells, get("last_name"))
        if not (first or last):
            first, _, last = cell_text(cells, get("name")).partition(" ")
        row.first_name, row.last_name = first[:150], last.strip()[:150]
        return row

    def _who(self, row: Row, cells, columns) -> None:
        """The order id, the channel, and the member's email or customer id."""
        get = columns.get
        order_id = cell_text(cells, get("order_id"))
        if not order_id:
            row.error(self._header(columns, "order_id"), "The order id is empty.")
        elif len(order_id) > 100:
            row.error(
                self._header(columns, "order_id"),
                "The order id cannot be longer than 100 characters.",
            )
        row.order_id = order_id

        # No channel column and none chosen is the file's problem, said once by the
        # importer; an empty cell in a channel column is this row's.
        row.channel = cell_text(cells, get("channel")) or self.default_channel
        if not row.channel and "channel" in columns:
            row.error(self._header(columns, "channel"), "The channel is empty.")

        email = cell_text(cells, get("email"))
        if email:
            found = email_and_key(email)
            if found is None:
                row.error(
                    self._header(columns, "email"),
                    f"{email.lower()!r} is not a valid email address.",
                )
                email = email.lower()
            else:
                email, row.email_key = found
        row.email = email
        customer_id = cell_text(cells, get("customer_id"))
        if self.preset and customer_id in self.preset.guest_ids:
            customer_id = ""
        if len(customer_id) > 100:
            row.error(
                self._header(columns, "customer_id"),
                "The customer id cannot be longer than 100 characters.",
            )
        row.customer_id = customer_id
        if not email and not customer_id:
            row.error(
                self._header(columns, "email" if "email" in columns else "customer_id"),
                "no member email or customer id",
            )

    def _when_and_currency(self, row: Row, cells, columns) -> None:
        index = columns.get("purchased_at")
        try:
            row.purchased_at = parse_when(
                cells[index] if index is not None else "",
                tz=self.tz,
                now=self.now,
                check=self._when,
            )
        except ValueError as exc:
            row.error(self._header(columns, "purchased_at"), str(exc))

        currency = cell_text(cells, columns.get("currency")).upper() or self.default_currency
        row.currency = currency
        if not currencies.is_known(currency):
            row.error(self._header(columns, "currency"), f"The currency {currency!r} is unknown.")
        elif currency != self.default_currency:
            row.error(
                self._header(columns, "currency"),
                f"The currency {currency} is not accepted: "
                f"this program runs in {self.default_currency}.",
            )

    def _money(self, row: Row, cells, columns) -> None:
        """The amount paid (in the row's currency), its shipping and its tax."""
        amount_header = self._header(columns, "amount")
        try:
            row.amount, code = parse_amount(
                cell_text(cells, columns.get("amount")),
                check=self._amounts["amount"],
                decimal_comma=self.decimal_comma,
            )
            if code and code != row.currency:
                row.error(
                    amount_header,
                    f"The amount is in {code}, the row's currency is {row.currency}.",
                )
        except ValueError as exc:
            row.error(amount_header, str(exc))
        for name in ("shipping", "tax"):
            value = cell_text(cells, columns.get(name))
            if value:
                try:
                    amount, _ = parse_amount(
                        value, check=self._amounts[name], decimal_comma=self.decimal_comma
                    )
                    setattr(row, name, amount)
                except ValueError as exc:
                    row.error(self._header(columns, name), str(exc))
        if row.shipping + row.tax > row.amount and not row.errors:
            row.error(self._header(columns, "shipping"), "The shipping and tax exceed the amount.")

    def _status(self, row: Row, cells, columns) -> None:
        status = cell_text(cells, columns.get("status")).lower()
        status = status.removeprefix("wc-")
        if not status or status in COMPLETED:
            row.status = "completed"
        elif status in REFUNDED:
            row.status = "refunded"
        elif status in PARTIALLY_REFUNDED:
            row.status = "partially_refunded"
        elif status in NOT_A_SALE:
            row.status = "skip"
        else:
            row.error(
                self._header(columns, "status"),
                f"The status {status!r} is unknown (completed, partially refunded or refunded).",
            )
        self._refund(row, cell_text(cells, columns.get("refunded")), columns)

    _REFUND_PARTS = re.compile(r"amount:\s*([^|;]*)", re.IGNORECASE)

    def _refund(self, row: Row, cell: str, columns) -> None:
        """What was refunded before the export, and the status it gives the order.

        A plain amount (Shopify's ``Refunded Amount``) or WebToffee's ``refund_items``
        cell (``amount:5.00|reason:...|date:...`` for each refund, added up).
        """
        header = self._header(columns, "refunded")
        if cell and row.status != "skip":
            parts = self._REFUND_PARTS.findall(cell) or [cell]
            try:
                row.refunded = sum(
                    (
                        parse_amount(
                            part.strip().lstrip("-\u2212"),  # WooCommerce writes refunds < 0
                            check=self._amounts["refunded amount"],
                            decimal_comma=self.decimal_comma,
                            label="refunded amount",
                        )[0]
                        for part in parts
                    ),
                    Decimal(0),
                )
            except ValueError as exc:
                row.error(header, str(exc))
                return
        if row.errors or row.status in ("skip", "refunded"):
            return
        if row.refunded > row.amount:
            row.error(
                header,
                f"The refunded amount {row.refunded} exceeds the order's amount {row.amount}.",
            )
        elif row.refunded == row.amount:
            row.status = "refunded"
        elif row.refunded:
            row.status = "partially_refunded"
        elif row.status == "partially_refunded":
            row.error(
                self._header(columns, "status"),
                "The order is partially refunded but the file does not say how much: "
                "add the refunded amount (a 'Refunded Amount' column).",
            )


def cell_text(cells, index) -> str:
    """The cell at ``index`` as stripped text (an XLSX number as written); "" when absent."""
    if index is None or index >= len(cells):
        return ""
    value = cells[index]
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    return str(value)
