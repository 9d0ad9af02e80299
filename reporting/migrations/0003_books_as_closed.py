"""Closed periods keep the books as they stood; the cost per point is 'not set' until set.

1. The redemption-rate estimates now belong to ``rewards`` (its migration 0010 takes the
   table over); here they leave the reporting app's state. No table changes.
2. A closed period records, per table, the last row it holds, and the point value and
   cost per point of its day. Periods closed before this migration get the last rows
   recorded (``created_at``) up to their closing, the program's point value and the cost
   per point set then.
3. The cost per point has no default any more: 0.005, the old default, was never a
   decision, so a row that still holds it becomes "not set".
"""

from decimal import Decimal

from django.db import migrations, models
from django.db.models import Max

OLD_DEFAULT = Decimal("0.005")
TABLES = [
    ("rewards", "LedgerEntry", "rewards.ledgerentry"),
    ("rewards", "Purchase", "rewards.purchase"),
    ("rewards", "Refund", "rewards.refund"),
    ("rewards", "RedemptionRateEstimate", "rewards.redemptionrateestimate"),
    ("members", "Member", "members.member"),
    ("members", "TierChange", "members.tierchange"),
    ("referrals", "Referral", "referrals.referral"),
]


def books_of_old_closings(apps, schema_editor):
    ClosedPeriod = apps.get_model("reporting", "ClosedPeriod")
    Settings = apps.get_model("reporting", "AccountingSettings")
    Program = apps.get_model("rewards", "Program")
    program = Program.objects.order_by("pk").first()
    accounting = Settings.objects.order_by("pk").first()
    for closed in ClosedPeriod.objects.all():
        last_ids = {}
        for app, name, label in TABLES:
            model = apps.get_model(app, name)
            found = model.objects.filter(created_at__lte=closed.closed_at).aggregate(
                last=Max("pk")
            )["last"]
            last_ids[label] = found or 0
        closed.last_ids = last_ids
        closed.point_value = program.point_value if program else Decimal("0.0100")
        closed.cost_per_point = accounting.cost_per_point if accounting else None
        closed.save(update_fields=["last_ids", "point_value", "cost_per_point"])


def forget_the_old_default(apps, schema_editor):
    Settings = apps.get_model("reporting", "AccountingSettings")
    Settings.objects.filter(cost_per_point=OLD_DEFAULT).update(cost_per_point=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_nightly_liability_schedule"),
        ("rewards", "0012_allocation_at_sale"),
        ("members", "0005_erasure"),
        ("referrals", "0003_referral_code_active"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RedemptionRateEstimate")]
        ),
        migrations.AlterField(
            model_name="accountingsettings",
            name="cost_per_point",
            field=models.DecimalField(
                blank=True,
                decimal_places=6,
                help_text="What one redeemed point costs the merchant (cost method), in the "
                "currency. Empty until finance sets it: the reports then say 'not set'.",
                max_digits=12,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="closedperiod",
            name="last_ids",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Per table, the last row the closed books hold.",
            ),
        ),
        migrations.AddField(
            model_name="closedperiod",
            name="point_value",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name="closedperiod",
            name="cost_per_point",
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=12, null=True),
        ),
        migrations.AlterField(
            model_name="closedperiod",
            name="figures",
            field=models.JSONField(
                blank=True, default=dict, help_text="The reports of the period as at closing."
            ),
        ),
        migrations.AlterField(
            model_name="liabilitysnapshot",
            name="cost_liability",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True),
        ),
        migrations.RunPython(books_of_old_closings, migrations.RunPython.noop),
        migrations.RunPython(forget_the_old_default, migrations.RunPython.noop),
    ]
