"""`moisson/settings.py` promises that every setting it reads from the environment is in README.md's
configuration table: a deployer reads the README, not the settings module."""

import re
from pathlib import Path

import moisson.settings

ROOT = Path(moisson.settings.__file__).resolve().parent.parent
# Every environment read goes through one of these: `env_str("NAME", ...)`, `os.environ.get("NAME", ...)`.
ENVIRONMENT_READ = re.compile(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"')


def test_every_environment_variable_the_settings_read_is_in_the_readme_table() -> None:
    settings_source = (ROOT / "moisson" / "settings.py").read_text(encoding="utf-8")
    names = set(ENVIRONMENT_READ.findall(settings_source))
    table = "\n".join(
        line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("|")
    )

    assert len(names) > 40, "the pattern no longer finds the settings' environment reads"
    assert sorted(name for name in names if f"`{name}`" not in table) == []
