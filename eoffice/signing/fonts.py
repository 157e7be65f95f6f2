"""Fonts for signature stamps and for the demo stamp images.

pyHanko 0.38 writes a stamp font's glyph widths in raw font units while the PDF expects
thousandths of an em, so a 2048-unit font (Liberation Serif, Tinos, DejaVu) comes out
twice too wide and is clipped without any error (STACK.md §8.3). It also subsets the
stamp font with fontTools on every signature, which costs 80–250 ms on a full font
(§8.2). So the stamp font is cut down once per process to Latin + Vietnamese, rescaled
to 1000 units per em, and kept as bytes.
"""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

# Times-New-Roman-metric fonts with full Vietnamese (STACK.md §2.4), first found wins.
SERIF_REGULAR = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/croscore/Tinos-Regular.ttf",
)
SERIF_ITALIC = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
    "/usr/share/fonts/truetype/croscore/Tinos-Italic.ttf",
)
SANS_BOLD = (
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/croscore/Arimo-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)

# Basic Latin, Latin-1, Latin Extended-A (Đ đ), Ơ ơ Ư ư, the combining tone marks,
# Latin Extended Additional (ạ … ỹ), dashes and quotes, the đồng sign.
STAMP_CODEPOINTS = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    *range(0x1A0, 0x1B1),
    *range(0x300, 0x324),
    *range(0x1EA0, 0x1EFA),
    *(0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x20AB),
]
STAMP_UNITS_PER_EM = 1000


class FontMissing(RuntimeError):
    """No Vietnamese-capable font is installed (fonts-liberation2 or fonts-croscore)."""


def find_font(candidates: tuple[str, ...]) -> str:
    for path in candidates:
        if Path(path).is_file():
            return path
    raise FontMissing(
        "Không tìm thấy phông chữ tiếng Việt (cần gói fonts-liberation2 hoặc fonts-croscore): "
        + ", ".join(candidates)
    )


_lock = threading.Lock()
_stamp_font: bytes | None = None


def stamp_font_bytes() -> bytes:
    """The stamp font, subset and rescaled to 1000 units per em; built once per process."""
    global _stamp_font
    if _stamp_font is None:
        with _lock:
            if _stamp_font is None:
                _stamp_font = prepare_stamp_font(find_font(SERIF_REGULAR))
    return _stamp_font


def prepare_stamp_font(path: str) -> bytes:
    """Subset first (fast on the full font), then rescale the few hundred glyphs left."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(path)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []  # pyHanko drops GSUB/GPOS from stamp fonts anyway
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=STAMP_CODEPOINTS)
    quiet = logging.getLogger("fontTools.subset")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "FFTM NOT subset; dropped" is expected, not news
    try:
        subsetter.subset(font)
    finally:
        quiet.setLevel(level)
    if font["head"].unitsPerEm != STAMP_UNITS_PER_EM:
        scale_upem(font, STAMP_UNITS_PER_EM)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
