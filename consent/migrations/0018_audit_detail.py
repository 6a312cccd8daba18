"""An audit entry's detail becomes a message key and its parameters (consent.records.audit),
shown in the reader's language. Entries written before keep their text in `detail`,
which goes on holding the English rendering of every new entry."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0017_notice_frozen'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='detail_key',
            field=models.CharField(blank=True, max_length=50, verbose_name='detail message'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='detail_params',
            field=models.JSONField(blank=True, default=dict, verbose_name='detail parameters'),
        ),
    ]
