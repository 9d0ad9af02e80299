"""A fresh install has a sales channel that earns, so a first import or API purchase works."""

from django.db import migrations


def add_web_channel(apps, schema_editor):
    Channel = apps.get_model("rewards", "Channel")
    if not Channel.objects.exists():
        Channel.objects.create(code="web", name="Web shop", earns_points=True)


class Migration(migrations.Migration):
    dependencies = [("rewards", "0009_program_input_limits")]

    operations = [migrations.RunPython(add_web_channel, migrations.RunPython.noop)]
