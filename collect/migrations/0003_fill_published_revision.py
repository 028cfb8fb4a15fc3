from django.db import migrations
from django.db.models import F


def forward(apps, schema_editor):
    """A validated pair publishes its current revision, validated when the pair was.

    Pairs sent back to review before this migration left releases already (the gap it closes): which of
    their revisions was validated is not recorded, so they come back when their correction is validated.
    """
    Pair = apps.get_model("collect", "Pair")
    Pair.objects.filter(status="validated", current_revision__isnull=False).update(
        published_revision=F("current_revision"), published_at=F("validated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("collect", "0002_pair_published_revision"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
