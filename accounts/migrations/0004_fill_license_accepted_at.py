from django.db import migrations
from django.db.models import F


def forward(apps, schema_editor):
    # Until now the licence was accepted with the charter, at the terms step.
    User = apps.get_model("accounts", "User")
    User.objects.filter(license_accepted_at__isnull=True, terms_accepted_at__isnull=False).update(
        license_accepted_at=F("terms_accepted_at")
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_license_accepted_at")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
