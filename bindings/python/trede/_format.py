"""Numbers for people, in English or Dutch: the one formatter of the report's tables, the axes
of its figures and the exported tables' descriptions.

English: 1,234.5 · € 1.2 mln · € 5.04 bn · 48.8 % · +0.79 pp · [586, 665]
Dutch:   1.234,5 · € 1,2 mln · € 5,04 mld · 48,8 % · +0,79 %-punt · [586; 665]

A value has a *kind* that says how it reads:

======== ======================================= ===========================================
kind     what                                    shown as
======== ======================================= ===========================================
count    people, moves (any count)               1,234 (3 significant digits below 100)
share    a fraction 0..1                         48.8 %
points   a difference of two fractions           +0.79 pp (percentage points)
eur      euros                                   € 309,540 · € 1.2 mln · € 5.04 bn
years    a duration in years                     4.26
ratio    a plain number (variance ratios, ...)   3 significant digits
prob     a probability                           0.83 → 83 %
======== ======================================= ===========================================

Differences and their intervals are printed with the same number of decimals, chosen from the
interval's width (two significant digits of its half-width), so "+625 [586, 665]" and never
"625.4 [585.9, 664.9]" next to "0.00852".
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Tuple

__all__ = ["NumberFormat", "KINDS"]

KINDS = ("count", "share", "points", "eur", "years", "ratio", "prob")

_WORDS = {
    "en": {"mln": "mln", "bn": "bn", "thousand": "thousand", "pp": "pp", "na": "n/a", "sep": ", "},
    "nl": {"mln": "mln", "bn": "mld", "thousand": "duizend", "pp": "%-punt", "na": "n.b.", "sep": "; "},
}

MINUS = "\u2212"


class NumberFormat:
    """Formats numbers in one language (``"en"`` or ``"nl"``)."""

    def __init__(self, lang: str = "en") -> None:
        if lang not in _WORDS:
            raise ValueError(f"unknown language {lang!r} (known: {', '.join(_WORDS)})")
        self.lang = lang
        self.words = _WORDS[lang]

    # ---- plain numbers --------------------------------------------------------------------------
    def fixed(self, x: float, decimals: int, sign: bool = False) -> str:
        """``x`` with ``decimals`` decimals, thousands grouped; ``sign``: always a sign (+/−)."""
        x = float(x)
        if not math.isfinite(x):
            return self._special(x)
        decimals = max(0, int(decimals))
        if round(x, decimals) == 0:
            x = 0.0  # no "−0"
        s = f"{abs(x):,.{decimals}f}"
        if self.lang == "nl":
            s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
        if x < 0:
            return MINUS + s
        return ("+" + s) if sign and x > 0 else s

    def _special(self, x: float) -> str:
        if math.isnan(x):
            return self.words["na"]
        return "∞" if x > 0 else MINUS + "∞"

    @staticmethod
    def decimals(x: float, significant: int = 3) -> int:
        """Decimals that show ``x`` with ``significant`` significant digits (0 for |x| ≥ 10^(s-1))."""
        a = abs(float(x))
        if a == 0 or not math.isfinite(a):
            return 0
        return max(0, significant - 1 - int(math.floor(math.log10(a))))

    def number(self, x: float, significant: int = 3, sign: bool = False) -> str:
        """3 significant digits, but whole numbers from 100 up (1,234 not 1.23e3)."""
        x = float(x)
        if not math.isfinite(x):
            return self._special(x)
        return self.fixed(x, self.decimals(x, significant), sign)

    # ---- by kind --------------------------------------------------------------------------------
    def euro_scale(self, magnitude: float) -> Tuple[float, str]:
        """Divisor and unit word for euro amounts of about ``magnitude``: bn/mld from 1e9, mln
        from 1e6, plain euros below."""
        a = abs(float(magnitude)) if math.isfinite(magnitude) else 0.0
        if a >= 1e9:
            return 1e9, self.words["bn"]
        if a >= 1e6:
            return 1e6, self.words["mln"]
        return 1.0, ""

    def value(self, kind: str, x: float, sign: bool = False, decimals: Optional[int] = None,
              scale: Optional[Tuple[float, str]] = None) -> str:
        """One value of ``kind`` (see the module's table). ``decimals`` overrides the automatic
        choice (in the unit shown: percent, points, mln, ...); ``scale`` fixes the euro unit."""
        x = float(x)
        if not math.isfinite(x):
            return self._special(x)
        if kind == "share":
            return self.fixed(100 * x, 1 if decimals is None else decimals, sign) + " %"
        if kind == "prob":
            return self.fixed(100 * x, 0 if decimals is None else decimals, sign) + " %"
        if kind == "points":
            v = 100 * x
            return self.fixed(v, self.decimals(v, 2) if decimals is None else decimals, sign) + " " + self.words["pp"]
        if kind == "eur":
            div, unit = scale or self.euro_scale(x)
            v = x / div
            d = (self.decimals(v, 3) if div > 1 else 0) if decimals is None else decimals
            body = self.fixed(abs(v), d)
            if decimals is None and d > 0:  # "€ 1.2 mln", not "€ 1.20 mln"
                body = body.rstrip("0").rstrip("," if self.lang == "nl" else ".")
            body += " " + unit if unit else ""
            if v < 0 and round(abs(v), d) != 0:
                return MINUS + "€ " + body
            return ("+€ " if sign and v > 0 and round(v, d) != 0 else "€ ") + body
        if kind == "count":
            return self.fixed(x, (self.decimals(x, 3) if abs(x) < 100 else 0) if decimals is None else decimals, sign)
        return self.fixed(x, self.decimals(x, 3) if decimals is None else decimals, sign)

    def interval(self, kind: str, mean: float, lo: float, hi: float, sign: bool = False) -> Tuple[str, str]:
        """``mean`` with its unit and its interval ``[lo, hi]`` as bare numbers in the same unit
        and precision: "€ 5.04 bn", "[5.03, 5.05]"; "+0.85 pp", "[0.79, 0.92]". The precision
        comes from the interval's half-width (two significant digits of it), but never more
        than three significant digits of the largest value."""
        vals = [float(v) for v in (mean, lo, hi)]
        if not all(math.isfinite(v) for v in vals):
            return self.value(kind, mean, sign), ""
        factor, scale = 1.0, None
        if kind in ("share", "prob", "points"):
            factor = 100.0
        elif kind == "eur":
            scale = self.euro_scale(max(abs(v) for v in vals))
            factor = 1.0 / scale[0]
        top = max(abs(v) for v in vals) * factor
        half = (vals[2] - vals[1]) / 2 * factor
        d = self.decimals(half, 2) if half > 0 else self.decimals(top, 3)
        d = min(d, self.decimals(top, 3))
        if kind == "count" and top >= 100:
            d = 0
        bounds = self.words["sep"].join(self.fixed(v * factor, d) for v in vals[1:])
        return self.value(kind, vals[0], sign, decimals=d, scale=scale), f"[{bounds}]"

    def plain(self, x: float) -> str:
        """Up to four significant digits without trailing zeros: 2, 0.05, 1,250 (parameters as written)."""
        x = float(x)
        if not math.isfinite(x):
            return self._special(x)
        s = self.fixed(x, self.decimals(x, 4))
        dec = "," if self.lang == "nl" else "."
        if dec in s:
            s = s.rstrip("0").rstrip(dec)
        return s

    def range(self, kind: str, lo: float, hi: float) -> str:
        """"lo – hi" with the precision of the wider end (for ranges of replicates)."""
        a, b = float(lo), float(hi)
        if not (math.isfinite(a) and math.isfinite(b)):
            return self.value(kind, a) + " – " + self.value(kind, b)
        if kind == "eur":
            scale = self.euro_scale(max(abs(a), abs(b)))
            return self.value(kind, a, scale=scale) + " – " + self.value(kind, b, scale=scale)
        return self.value(kind, a) + " – " + self.value(kind, b)

    # ---- axes ----------------------------------------------------------------------------------
    def axis(self, ax: Any, which: str, kind: str, label: Optional[str] = None, values: Sequence[float] = ()) -> str:
        """Tick labels of ``ax``'s ``which`` axis ("x" or "y") in this language for values of
        ``kind``; euro axes in € mln or € bn by the largest |value| shown (or of ``values``),
        with the unit added to ``label``. Shares and points in percent. Returns the unit shown
        ("€ mln", "%", "pp", or "")."""
        from matplotlib.ticker import FuncFormatter, MaxNLocator
        axis = ax.xaxis if which == "x" else ax.yaxis
        lim = (ax.get_xlim() if which == "x" else ax.get_ylim())
        unit = ""
        if kind == "eur":
            span = max([abs(v) for v in (*lim, *values) if math.isfinite(v)] or [0.0])
            div, word = self.euro_scale(span)
            unit = f"€ {word}" if word else "€"
            axis.set_major_formatter(FuncFormatter(lambda v, _p: self.fixed(v / div, self._tick_decimals(axis, div))))
        elif kind in ("share", "points", "prob"):
            axis.set_major_formatter(FuncFormatter(lambda v, _p: self.fixed(100 * v, self._tick_decimals(axis, 0.01))))
            unit = "%" if kind != "points" else self.words["pp"]
        elif kind == "year":
            axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10], min_n_ticks=3))
            axis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))
        else:
            axis.set_major_formatter(FuncFormatter(lambda v, _p: self.fixed(v, self._tick_decimals(axis, 1.0))))
        if label is not None:
            text = f"{label} ({unit})" if unit else label
            (ax.set_xlabel if which == "x" else ax.set_ylabel)(text)
        return unit

    @staticmethod
    def _tick_decimals(axis: Any, div: float) -> int:
        """Decimals that tell the axis's ticks apart (in units of ``div``): 0 for steps of 1, 2,
        5, 10; 1 for 0.5 or 2.5; ..."""
        import numpy as np
        locs = np.unique(np.asarray(axis.get_majorticklocs(), dtype=float) / div)
        steps = np.diff(locs)
        steps = steps[steps > 0]
        if steps.size == 0:
            return 0
        step = float(steps.min())
        d = max(0, -int(math.floor(math.log10(step) + 1e-9)))
        while d < 8 and abs(step * 10 ** d - round(step * 10 ** d)) > 1e-6 * max(1.0, step * 10 ** d):
            d += 1
        return d

    def tick_formatter(self, axis: Any) -> Any:
        """A formatter for a plain numeric ``axis`` (no offset, no "1e8", this language's
        separators, as many decimals as the tick step needs)."""
        from matplotlib.ticker import FuncFormatter
        return FuncFormatter(lambda v, _p: self.fixed(v, self._tick_decimals(axis, 1.0)))
