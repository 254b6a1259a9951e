"""How verdicts look: a colour-blind-safe palette and a symbol for every verdict.

Colour is never the only cue: every verdict also carries a symbol (and its name wherever
there is room), and "no verdict yet" is neutral grey with a dashed outline, a colour no
verdict uses. The default scale's colours are the Okabe–Ito palette (Okabe & Ito, *Color
Universal Design*, 2008), chosen so that the seven verdicts and "no verdict" stay apart for
readers with protanopia, deuteranopia and tritanopia, not only for normal colour vision.

The colours live in the database (``RatingLabel.colour``: admins may change the scale); the
migration that installs the scale takes them from here. Symbols are not stored: they follow
the label's slug on the default scale, else its ClaimReview value, so a label an admin adds
still gets a sensible one.

:func:`simulate`, :func:`delta_e` and :func:`contrast_ratio` make the palette's promise
checkable (the tests check it; an admin's custom colour can be checked the same way).
Pure Python: no Django, every layer may use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Protocol

__all__ = [
    "DEFAULT_SCALE",
    "NO_VERDICT",
    "VISION",
    "VerdictStyle",
    "closest_pair",
    "contrast_ratio",
    "delta_e",
    "simulate",
    "symbol_for",
]


@dataclass(frozen=True)
class VerdictStyle:
    """A verdict's colour (``#rrggbb``) and the symbol shown with it."""

    colour: str
    symbol: str


#: The default scale by slug (as installed by ``annotations/migrations``), Okabe–Ito colours.
DEFAULT_SCALE: dict[str, VerdictStyle] = {
    "true": VerdictStyle("#009e73", "✓"),  # bluish green
    "mostly-true": VerdictStyle("#56b4e9", "≈"),  # sky blue: "roughly so"
    "half-true": VerdictStyle("#f0e442", "±"),  # yellow: partly
    "mostly-false": VerdictStyle("#e69f00", "≠"),  # orange
    "false": VerdictStyle("#d55e00", "✗"),  # vermillion
    "misleading": VerdictStyle("#cc79a7", "!"),  # reddish purple
    "unverifiable": VerdictStyle("#0072b2", "?"),  # blue
}

#: "No verdict yet": neutral grey (always drawn dashed), shared with no verdict.
NO_VERDICT = VerdictStyle("#59636e", "…")

#: Symbols for labels outside the default scale, by ClaimReview value (higher is more true).
_SYMBOL_BY_VALUE = {5: "✓", 4: "≈", 3: "±", 2: "≠", 1: "✗"}


class Label(Protocol):
    slug: str
    value: int | None


def symbol_for(label: Label | None) -> str:
    """The symbol shown with a verdict: by slug on the default scale, else by value; "…" for none."""
    if label is None:
        return NO_VERDICT.symbol
    style = DEFAULT_SCALE.get(getattr(label, "slug", "") or "")
    if style is not None:
        return style.symbol
    value = getattr(label, "value", None)
    if value is None:
        return "?"
    return _SYMBOL_BY_VALUE.get(max(1, min(5, int(value))), "?")


# --- checking a palette -----------------------------------------------------------------
# Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for Simulation of
# Color Vision Deficiency", severity 1.0 matrices, applied to linear sRGB.

VISION: dict[str, tuple[tuple[float, float, float], ...]] = {
    "normal": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "protanopia": (
        (0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900),
    ),
}

RGB = tuple[float, float, float]


def _linear(hex_colour: str) -> RGB:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return r, g, b


def simulate(hex_colour: str, vision: str) -> RGB:
    """``hex_colour`` (``#rrggbb``) as seen with ``vision`` (a key of :data:`VISION`), linear RGB."""
    rgb = _linear(hex_colour)
    return tuple(  # type: ignore[return-value]
        min(1.0, max(0.0, sum(row[i] * rgb[i] for i in range(3)))) for row in VISION[vision]
    )


def _lab(rgb: RGB) -> RGB:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(first: RGB, second: RGB) -> float:
    """CIEDE2000 colour difference of two linear-RGB colours (about 2: just noticeable; 10+: clearly apart)."""
    l1, a1, b1 = _lab(first)
    l2, a2, b2 = _lab(second)
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dlp, dcp = l2 - l1, c2p - c1p
    dhp = 0.0
    if c1p * c2p:
        dhp = h2p - h1p
        dhp = dhp - 360 if dhp > 180 else dhp + 360 if dhp < -180 else dhp
    dhp_big = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    lbp, cbp = (l1 + l2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        hbp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbp = (h1p + h2p) / 2
    else:
        hbp = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1 - 0.17 * math.cos(math.radians(hbp - 30)) + 0.24 * math.cos(math.radians(2 * hbp))
        + 0.32 * math.cos(math.radians(3 * hbp + 6)) - 0.20 * math.cos(math.radians(4 * hbp - 63))
    )
    rc = 2 * math.sqrt(cbp**7 / (cbp**7 + 25**7))
    rt = -math.sin(math.radians(2 * 30 * math.exp(-(((hbp - 275) / 25) ** 2)))) * rc
    sl = 1 + 0.015 * (lbp - 50) ** 2 / math.sqrt(20 + (lbp - 50) ** 2)
    sc, sh = 1 + 0.045 * cbp, 1 + 0.015 * cbp * t
    return math.sqrt((dlp / sl) ** 2 + (dcp / sc) ** 2 + (dhp_big / sh) ** 2 + rt * (dcp / sc) * (dhp_big / sh))


def closest_pair(colours: dict[str, str], vision: str) -> tuple[float, str, str]:
    """The two colours of ``colours`` (name → ``#rrggbb``) hardest to tell apart with ``vision``."""
    seen = {name: simulate(colour, vision) for name, colour in colours.items()}
    return min((delta_e(seen[a], seen[b]), a, b) for a, b in combinations(seen, 2))


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (4.5 is the minimum for body text)."""

    def luminance(colour: str) -> float:
        r, g, b = _linear(colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
