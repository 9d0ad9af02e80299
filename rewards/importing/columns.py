"""The shape of a purchase file: our columns and their headers, shop presets, statuses, rows."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

ZERO = Decimal(0)

# Our column names, and the headers that mean them (compared lower-case, with _ and - as spaces).
ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("order id", "order", "order number", "order no", "order ref"),
    "email": ("email", "member email", "customer email", "e mail", "email address"),
    "customer_id": ("customer id", "external customer id", "external id", "customer number"),
    "purchased_at": ("purchase date", "purchased at", "date", "order date", "created at"),
    "amount": ("amount", "total", "order total", "total amount", "amount paid"),
    "currency": ("currency", "currency code"),
    "channel": ("channel", "channel code"),
    "status": ("status", "order status"),
    "sku": ("sku", "product sku"),
    "category": ("category", "product category"),
    "name": ("name", "member name", "customer name"),
    "first_name": ("first name",),
    "last_name": ("last name",),
    "shipping": ("shipping", "shipping amount"),
    "tax": ("tax", "tax amount", "taxes"),
    # Shopify's "Refunded Amount"; WooCommerce's refunded total (WebToffee: "refund_items").
    "refunded": (
        "refunded amount",
        "refunded total",
        "total refunded",
        "refund amount",
        "refund total",
        "refund items",
    ),
}
FIELDS = tuple(ALIASES)

COMPLETED = {"completed", "complete", "paid", "processing", "fulfilled"}
REFUNDED = {"refunded"}
PARTIALLY_REFUNDED = {"partially_refunded", "partially-refunded", "partially refunded"}
NOT_A_SALE = {
    "pending",
    "authorized",
    "voided",
    "cancelled",
    "canceled",
    "failed",
    "on-hold",
    "on hold",
    "partially_paid",
    "expired",
    "draft",
    "checkout-draft",
    "trash",
}


@dataclass(frozen=True)
class Preset:
    """How a shop or till system's order export maps to our columns."""

    name: str
    title: str
    columns: dict[str, str]
    required: tuple[str, ...]
    # Shopify: one row per line item, order-level cells only on an order's first row.
    line_columns: dict[str, str] = field(default_factory=dict)
    # Customer ids that mean "no account" (WooCommerce writes 0 for every guest).
    guest_ids: tuple[str, ...] = ()


PRESETS = {
    "shopify": Preset(
        name="shopify",
        title="Shopify orders export (Orders > Export, CSV for Excel or plain CSV)",
        columns={
            "order_id": "Name",
            "email": "Email",
            "purchased_at": "Created at",
            "amount": "Total",
            "currency": "Currency",
            "status": "Financial Status",
            "shipping": "Shipping",
            "tax": "Taxes",
            "name": "Billing Name",
            "refunded": "Refunded Amount",
        },
        required=("Name", "Email", "Created at", "Total"),
        line_columns={"sku": "Lineitem sku", "price": "Lineitem price", "qty": "Lineitem quantity"},
    ),
    "woocommerce": Preset(
        name="woocommerce",
        title="WooCommerce orders (WebToffee 'Order Export & Order Import for WooCommerce' CSV)",
        columns={
            "order_id": "order_number",
            "email": "customer_email",
            "purchased_at": "order_date",
            "amount": "order_total",
            "currency": "order_currency",
            "status": "status",
            "shipping": "shipping_total",
            "tax": "tax_total",
            "first_name": "billing_first_name",
            "last_name": "billing_last_name",
        },
        required=("order_number", "customer_email", "order_date", "order_total"),
        guest_ids=("0",),
    ),
}


def normalize_header(header: str) -> str:
    return " ".join(
        header.strip().lstrip("\ufeff").lower().replace("_", " ").replace("-", " ").split()
    )


# ---------------------------------------------------------------- values


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header, size): one clear sentence."""


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class Line:
    sku: str
    amount: Decimal
    quantity: int = 1


@dataclass
class Row:
    """One order, parsed and checked on its own (the database checks come later)."""

    row: int
    raw: list[str]
    order_id: str = ""
    channel: str = ""
    email: str = ""
    email_key: str = ""  # the form addresses are matched in (members.validation.email_key)
    customer_id: str = ""
    purchased_at: datetime | None = None
    amount: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)  # refunded before the export: earns nothing
    currency: str = ""
    status: str = "completed"
    sku: str = ""
    category: str = ""
    first_name: str = ""
    last_name: str = ""
    lines: list[Line] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.row, column, reason))

    # Pass 1 keeps the rows to write on disk, for pass 2 (``scratch.Spool``): plain values
    # that ``marshal`` writes and reads back (as fast as parsing, and the file is read once).
    # The date is kept with its own zone: ``tz`` (the program's, with its summer time)
    # or the fixed offset the file gave.

    def spooled(self, tz) -> tuple:
        when = self.purchased_at
        local = when.tzinfo is tz
        return (
            self.row,
            self.order_id,
            self.channel,
            self.email,
            self.email_key,
            self.customer_id,
            self.currency,
            self.status,
            self.sku,
            self.category,
            (when.replace(tzinfo=None) if local else when).isoformat(),
            local,
            str(self.amount),
            str(self.shipping) if self.shipping else "",
            str(self.tax) if self.tax else "",
            str(self.refunded) if self.refunded else "",
            [(ln.sku, str(ln.amount), ln.quantity) for ln in self.lines],
        )

    @classmethod
    def unspooled(cls, values: tuple, tz) -> "Row":
        (number, order_id, channel, email, key, customer, currency, status, sku, category,
         when, local, amount, shipping, tax, refunded, lines) = values  # fmt: skip
        when = datetime.fromisoformat(when)
        return cls(
            number,
            [],
            order_id,
            channel,
            email,
            key,
            customer,
            when.replace(tzinfo=tz) if local else when,
            Decimal(amount),
            Decimal(shipping) if shipping else ZERO,
            Decimal(tax) if tax else ZERO,
            Decimal(refunded) if refunded else ZERO,
            currency,
            status,
            sku,
            category,
            lines=[Line(s, Decimal(a), q) for s, a, q in lines],
        )
