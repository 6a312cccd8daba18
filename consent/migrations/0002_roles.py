"""Give the Owner group the consent app's permissions (the queue, erasure, reports)."""

from django.db import migrations

from rekisteri.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("customers", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
