import secrets

from django.db import migrations, models

import members.models


def fill_card_codes(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    for member in Member.objects.filter(card_code__isnull=True).only("pk").iterator():
        Member.objects.filter(pk=member.pk).update(card_code=secrets.token_urlsafe(12))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="card_code",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_card_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="member",
            name="card_code",
            field=models.CharField(
                default=members.models.new_card_code,
                editable=False,
                help_text="The code of the member's card (QR), used by tills to look the member up.",
                max_length=32,
                unique=True,
            ),
        ),
    ]
