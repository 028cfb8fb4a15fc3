"""Fill the new pseudonym_key of existing accounts (issue 13, "Personal data and lookalikes").

Pseudonyms are published with credited pairs. An existing pseudonym that the new rules refuse (personal
data such as an e-mail address, direction controls, or a lookalike of an earlier account's pseudonym) is
emptied and attribution turned off, so that it is not published again; the person can choose another one
in their profile.
"""

from django.db import migrations

from moisson.personal_data import find_personal_data
from moisson.text import has_bidi_controls, normalize_text, skeleton, skeletons


def fill_pseudonym_keys(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    taken: dict[str, tuple[int, str]] = {}
    refused: list[int] = []
    # The earliest account keeps a pseudonym that later ones imitate.
    for user in User.objects.exclude(pseudonym="").order_by("pk").only("pk", "pseudonym").iterator():
        pseudonym = normalize_text(user.pseudonym).strip()
        key = skeleton(pseudonym)
        if (
            has_bidi_controls(user.pseudonym)
            or not key
            or not skeletons(pseudonym).isdisjoint(taken)
            or find_personal_data(pseudonym, field="pseudonym")
        ):
            refused.append(user.pk)
        else:
            taken[key] = (user.pk, pseudonym)
    # Refused ones first: a kept pseudonym, once normalised, may equal one of them.
    User.objects.filter(pk__in=refused).update(pseudonym="", pseudonym_key="", attribution_opt_in=False)
    for key, (pk, pseudonym) in taken.items():
        User.objects.filter(pk=pk).update(pseudonym=pseudonym, pseudonym_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_add_pseudonym_key"),
    ]

    operations = [
        migrations.RunPython(fill_pseudonym_keys, migrations.RunPython.noop),
    ]
