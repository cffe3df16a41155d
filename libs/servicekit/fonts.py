"""DejaVu Sans for PDFs that show Cyrillic (reportlab's base fonts have no Cyrillic glyphs).

Debian's ``fonts-dejavu-core`` puts them in one folder; `make up` installs it and the images'
base carries it. Registered with reportlab once per process."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class FontsMissing(RuntimeError):
    """A paper without Cyrillic glyphs is unreadable: never print one."""


@lru_cache(maxsize=None)
def dejavu(*names: str) -> tuple[str, ...]:
    """Register the named DejaVu faces (file = name + ".ttf") and return their names, or raise
    :class:`FontsMissing` naming the package to install."""
    names = names or ("DejaVuSans", "DejaVuSans-Bold")
    missing = [name for name in names if not (FONT_DIR / f"{name}.ttf").exists()]
    if missing:
        raise FontsMissing(f"DejaVu fonts missing in {FONT_DIR} ({', '.join(missing)}): install fonts-dejavu-core")
    for name in names:
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))
    return names
