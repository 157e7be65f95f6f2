"""Stamp images: the demo's generated PNGs, and the check every uploaded one passes.

Decree 30 wants the signer's image as a blue handwritten signature and the agency's
image as its red seal, both PNG on a transparent background (DOMAIN.md §1.10): the
seal overlaps a third of the signature, so an opaque white background would hide it.
Real deployments upload scans of their own; the demo draws stand-ins with Pillow.
Everything is drawn at twice the size and scaled down, which smooths the edges.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from eoffice.core.errors import ValidationFailed
from eoffice.core.text import clean
from eoffice.signing.fonts import SANS_BOLD, SERIF_ITALIC, find_font

SIGNATURE_BLUE = (22, 52, 168, 255)
SEAL_RED = (214, 28, 36, 255)
MAX_STAMP_BYTES = 2 * 1024 * 1024
MAX_STAMP_SIDE = 4000

NOT_PNG = "Ảnh chữ ký hoặc con dấu phải là tệp PNG."
NOT_TRANSPARENT = "Ảnh chữ ký hoặc con dấu phải có nền trong suốt (PNG có kênh alpha)."


@dataclass(frozen=True)
class StampImage:
    width: int
    height: int


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")  # optimize=True costs ~50 ms an image for a few KB
    return out.getvalue()


def _font(candidates: tuple[str, ...], size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(find_font(candidates), size)


# --- The signer's signature -----------------------------------------------------------


def signature_png(name: str, *, width: int = 600, height: int = 240) -> bytes:
    """A blue, slanted, hand-drawn-looking signature of `name` on a transparent background.

    The given name (the last word, as Vietnamese people sign) in a large italic, leaning
    further, with a looping underline stroke; the family name's initial before it.
    """
    scale = 2
    w, h = width * scale, height * scale
    canvas = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    words = clean(name).split() or ["Ký"]
    text = words[-1] if len(words) == 1 else f"{words[0][0]}. {words[-1]}"
    font = _font(SERIF_ITALIC, int(h * 0.42))
    draw = ImageDraw.Draw(canvas)
    left, top, right, _bottom = draw.textbbox((0, 0), text, font=font)
    x = (w - (right - left)) // 2 - left
    y = int(h * 0.12) - top
    draw.text((x, y), text, font=font, fill=SIGNATURE_BLUE)
    # Lean the letters further, as a hand writing fast does (shear around the baseline).
    shear = 0.28
    canvas = canvas.transform(
        (w, h), Image.Transform.AFFINE, (1, shear, -shear * h * 0.6, 0, 1, 0), Image.BICUBIC
    )
    draw = ImageDraw.Draw(canvas)
    draw.line(_flourish(w, h), fill=SIGNATURE_BLUE, width=max(3, h // 55), joint="curve")
    return _png(canvas.resize((width, height), Image.LANCZOS))


def _flourish(w: int, h: int) -> list[tuple[float, float]]:
    """An underline that starts low on the left, rises, loops once and trails off."""
    points: list[tuple[float, float]] = []
    steps = 160
    for i in range(steps + 1):
        t = i / steps
        x = w * (0.12 + 0.78 * t)
        y = h * (0.80 - 0.10 * t) + h * 0.06 * math.sin(t * 2.2 * math.pi)
        if 0.55 < t < 0.75:  # the loop
            phase = (t - 0.55) / 0.20 * 2 * math.pi
            x += w * 0.05 * math.sin(phase)
            y -= h * 0.22 * (1 - math.cos(phase)) / 2
        points.append((x, y))
    return points


# --- The organisation's seal ----------------------------------------------------------


def seal_png(org_name: str, *, size: int = 480) -> bytes:
    """A red round seal: two concentric rings, the name around them, a star in the centre."""
    scale = 2
    s = size * scale
    canvas = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    c = s / 2
    outer = s * 0.48
    inner = s * 0.31
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), outline=SEAL_RED, width=s // 40)
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=SEAL_RED, width=s // 90)
    _text_around(canvas, clean(org_name).upper() or "CƠ QUAN", c, (outer + inner) / 2)
    _star(draw, c, inner * 0.55)
    return _png(canvas.resize((size, size), Image.LANCZOS))


def _text_around(canvas: Image.Image, text: str, c: float, radius: float) -> None:
    """Letters centred on a circle, their feet towards the centre, reading clockwise
    from the lower left round the top, as on a Vietnamese agency seal."""
    span = math.radians(300)
    size = int(radius * 0.26)
    font = _font(SANS_BOLD, size)
    gap = size * 0.12
    widths = [font.getlength(ch) + gap for ch in text]
    while sum(widths) > radius * span and size > 8:  # long names: smaller letters
        size = int(size * 0.92)
        font = _font(SANS_BOLD, size)
        gap = size * 0.12
        widths = [font.getlength(ch) + gap for ch in text]
    total = sum(widths) / radius  # radians the text covers
    angle = -total / 2
    box = int(size * 1.6)
    for ch, width in zip(text, widths, strict=True):
        middle = angle + width / 2 / radius
        angle += width / radius
        if ch == " ":
            continue
        glyph = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((box / 2, box / 2), ch, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(middle), resample=Image.BICUBIC)
        x = c + radius * math.sin(middle) - box / 2
        y = c - radius * math.cos(middle) - box / 2
        canvas.alpha_composite(glyph, (round(x), round(y)))


def _star(draw: ImageDraw.ImageDraw, c: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.40
        a = math.pi / 5 * i
        points.append((c + r * math.sin(a), c - r * math.cos(a)))
    draw.polygon(points, fill=SEAL_RED)


# --- Uploaded images ------------------------------------------------------------------


def check_stamp_png(data: bytes) -> StampImage:
    """Accept a PNG with an alpha channel (or a transparent palette colour), not too big."""
    if len(data) > MAX_STAMP_BYTES:
        raise ValidationFailed(
            "Ảnh chữ ký hoặc con dấu quá lớn (tối đa 2 MB).",
            field_errors={"image": "Ảnh quá lớn (tối đa 2 MB)."},
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ValidationFailed(NOT_PNG, field_errors={"image": NOT_PNG})
            if max(image.size) > MAX_STAMP_SIDE:
                raise ValidationFailed(
                    "Ảnh chữ ký hoặc con dấu quá lớn (tối đa 4000 điểm ảnh mỗi chiều).",
                    field_errors={"image": "Ảnh quá lớn (tối đa 4000 điểm ảnh mỗi chiều)."},
                )
            transparent = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
            image.load()  # a truncated file fails here, not while signing
            size = image.size
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationFailed(NOT_PNG, field_errors={"image": NOT_PNG}) from None
    if not transparent:
        raise ValidationFailed(NOT_TRANSPARENT, field_errors={"image": NOT_TRANSPARENT})
    return StampImage(width=size[0], height=size[1])
