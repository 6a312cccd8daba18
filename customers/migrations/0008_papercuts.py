import customers.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_lawful_marketing"),
    ]

    operations = [
        # The column stays a two-letter varchar: only how forms read it changes (a name is
        # taken too), so nothing is done to the table (SQLite would rebuild it).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="country",
                    field=customers.fields.CountryField(
                        default="FI",
                        help_text="The country's name or its two-letter code, such as Suomi or FI.",
                        max_length=2,
                        verbose_name="country",
                    ),
                ),
            ],
        ),
    ]
