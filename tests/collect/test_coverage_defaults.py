"""The default coverage targets set by the data migration."""

import pytest

from collect.models import CoverageTarget

pytestmark = pytest.mark.django_db


def test_the_data_migration_sets_sensible_default_targets():
    targets = {(t.domain, t.level, t.task_type): t.target for t in CoverageTarget.objects.all()}

    assert targets[("maths", "college", "reasoning")] == 100
    assert targets[("history_geography", "lycee", "open_qa")] == 20
    assert targets[("computing", "superieur", "code")] == 40
    assert not [key for key in targets if key[2] == "code" and key[0] != "computing"]
    assert ("law", "primaire", "open_qa") not in targets
