"""The README stays honest: settings, the permission table and the quick start's commands."""

from __future__ import annotations

from pathlib import Path

from nineplus.accounts.roles import permission_table_markdown
from nineplus.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"NINEPLUS_{name.upper()}" in README, f"NINEPLUS_{name.upper()} is not in the README"


def test_the_readme_shows_the_permission_matrix_of_the_code() -> None:
    assert permission_table_markdown() in README


def test_the_quick_start_names_the_two_commands_of_dev_py() -> None:
    assert "python3 dev.py start" in README
    assert "python3 dev.py test" in README
    assert (ROOT / "dev.py").exists()
    assert (ROOT / ".ci" / "run").exists()
