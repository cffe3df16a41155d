"""The README's settings table is what the settings classes generate."""
from pathlib import Path

from docs.settings_table import render

README = Path(__file__).resolve().parents[2] / "README.md"


def test_settings_table_is_current():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run `make docs` and commit README.md"
