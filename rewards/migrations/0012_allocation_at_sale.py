"""The allocation of a sale's price to its points, stored on the sale (IFRS 15.88).

1. The redemption-rate estimates move from ``reporting`` to ``rewards`` (recording a
   sale reads them): the model changes app in the migration state only, then its
   table is renamed.
2. Purchases and refunds get the allocation, the rate, the point value and the estimate
   it used; a large adjustment waiting for approval keeps when it happened.
3. Existing rows get the allocation the reports computed for them until now: the rate
   in force on the purchase's day (the latest recorded wins on a day; 1 with none), the
   program's point value, amount x SSP / (amount + SSP) to the cent; a refund takes back
   the purchase's allocation x refund amount / purchase amount, to the cent. In Decimal,
   as PostgreSQL computed it (SQLite divided integers when the point value was whole).
"""

from decimal import ROUND_HALF_UP, Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

CENT = Decimal("0.01")
BATCH = 2000


def _money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _schedule(Estimate):
    latest = {}
    for estimate in Estimate.objects.order_by("effective_from", "pk"):
        latest[estimate.effective_from] = estimate
    return sorted(latest.items())


def _in_force(schedule, day):
    found = None
    for effective_from, estimate in schedule:
        if effective_from > day:
            break
        found = estimate
    return found


def allocate_existing(apps, schema_editor):
    Purchase = apps.get_model("rewards", "Purchase")
    Refund = apps.get_model("rewards", "Refund")
    Program = apps.get_model("rewards", "Program")
    Estimate = apps.get_model("rewards", "RedemptionRateEstimate")
    program = Program.objects.order_by("pk").first()
    point_value = program.point_value if program else Decimal("0.0100")
    schedule = _schedule(Estimate)
    earning = Purchase.objects.filter(points_earned__gt=0, member__isnull=False).order_by("pk")
    last = 0
    while batch := list(earning.filter(pk__gt=last)[:BATCH]):
        for purchase in batch:
            estimate = _in_force(schedule, timezone.localdate(purchase.purchased_at))
            rate = estimate.rate if estimate else Decimal("1")
            ssp = Decimal(purchase.points_earned) * point_value * rate
            purchase.allocated_to_points = (
                _money(purchase.amount * ssp / (purchase.amount + ssp)) if ssp > 0 else Decimal("0.00")
            )
            purchase.allocation_rate = rate
            purchase.allocation_point_value = point_value
            purchase.allocation_estimate = estimate
        Purchase.objects.bulk_update(
            batch,
            [
                "allocated_to_points",
                "allocation_rate",
                "allocation_point_value",
                "allocation_estimate",
            ],
        )
        last = batch[-1].pk
    refunds = Refund.objects.filter(purchase__allocated_to_points__gt=0).select_related("purchase")
    last = 0
    while batch := list(refunds.filter(pk__gt=last).order_by("pk")[:BATCH]):
        for refund in batch:
            purchase = refund.purchase
            refund.allocated_to_points = _money(
                purchase.allocated_to_points * refund.amount / purchase.amount
            )
        Refund.objects.bulk_update(batch, ["allocated_to_points"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0011_input_ranges_and_adjustment_requests"),
        ("reporting", "0002_nightly_liability_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RedemptionRateEstimate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("effective_from", models.DateField()),
                        (
                            "rate",
                            models.DecimalField(
                                decimal_places=6,
                                help_text="e.g. 0.95 when 95% of points will be redeemed",
                                max_digits=7,
                            ),
                        ),
                        (
                            "method",
                            models.CharField(
                                choices=[
                                    ("manual", "Set by finance"),
                                    ("cohort", "Estimated from earning cohorts"),
                                ],
                                default="manual",
                                max_length=10,
                            ),
                        ),
                        (
                            "explanation",
                            models.TextField(
                                blank=True, help_text="How the rate was set or computed."
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-effective_from", "-pk"],
                        "db_table": "reporting_redemptionrateestimate",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("rate__gte", 0), ("rate__lte", 1)),
                                name="redemption_rate_between_0_and_1",
                                violation_error_message="The redemption rate must be between "
                                "0 and 1.",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="redemptionrateestimate", table=None),
        migrations.AddField(
            model_name="purchase",
            name="allocated_to_points",
            field=models.DecimalField(
                decimal_places=2, db_default=Decimal("0"), default=Decimal("0"), max_digits=14
            ),
        ),
        migrations.AddField(
            model_name="purchase",
            name="allocation_rate",
            field=models.DecimalField(
                blank=True,
                decimal_places=6,
                help_text="The expected redemption rate the allocation used (1: no estimate "
                "recorded).",
                max_digits=7,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="purchase",
            name="allocation_point_value",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name="purchase",
            name="allocation_estimate",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="rewards.redemptionrateestimate",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="allocated_to_points",
            field=models.DecimalField(
                decimal_places=2,
                db_default=Decimal("0"),
                default=Decimal("0"),
                help_text="The part of the purchase's allocation to points this refund takes "
                "back.",
                max_digits=14,
            ),
        ),
        migrations.AddField(
            model_name="adjustmentrequest",
            name="effective_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it happened, if not when it is approved (the entry is dated "
                "then).",
                null=True,
            ),
        ),
        migrations.RunPython(allocate_existing, migrations.RunPython.noop),
    ]
