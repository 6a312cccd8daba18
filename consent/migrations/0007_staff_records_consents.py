"""Staff may record a consent given on paper or in person, and see the ledger."""

from django.db import migrations

from rekisteri.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [("consent", "0006_newsletters")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
