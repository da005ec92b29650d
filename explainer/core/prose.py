"""Small helpers every sentence of the app uses: plurals, counts and numbers spelled for readers.

Pure string functions, so that the words of every section (and the claims ledger) count and
round the same way.
"""

from __future__ import annotations

import math

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``one`` for exactly one, else ``many`` (default: ``one`` + "s")."""
    return one if n == 1 else (many if many is not None else one + "s")


def count(n: int, one: str, many: str | None = None) -> str:
    """A number with its noun: "1 run", "12 runs", "4,417 weights"."""
    return f"{n:,} {plural(n, one, many)}"


def power_of_ten(exponent: int) -> str:
    """10 to a whole power, written with superscripts: "10⁻¹²"."""
    return "10" + str(int(exponent)).translate(_SUPERSCRIPT)


def sci(x: float, digits: int = 2) -> str:
    """A number for reading: plain between 0.001 and 10,000 ("0.047", "1,234"), otherwise with
    a power of ten ("3.1×10⁻⁵", "4×10⁸"); at most ``digits`` significant figures, trailing zeros
    dropped ("2.5", not "2.50")."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    if 1e-3 <= abs(x) < 1e4:
        rounded = float(f"{x:.{digits}g}")
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
        text = f"{rounded:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    exponent = math.floor(math.log10(abs(x)))
    mantissa = float(f"{x / 10**exponent:.{digits}g}")
    if abs(mantissa) >= 10:  # rounding carried over, e.g. 9.99 -> 10
        mantissa, exponent = mantissa / 10, exponent + 1
    head = f"{mantissa:g}"
    return power_of_ten(exponent) if head == "1" else f"{head}×{power_of_ten(exponent)}"


def fold(before: float, after: float, fmt: str | None = None) -> str:
    """How a positive quantity changed: "fell 8.2-fold, from 7.8×10⁻⁵ to 9.5×10⁻⁶", "rose 1.5-fold,
    from …", "hardly changed, from …", or "went from … to …" when either value is not positive.
    Numbers are spelled by :func:`sci` unless a format ``fmt`` is given."""

    def spell(x: float) -> str:
        return sci(x) if fmt is None else f"{x:{fmt}}"

    numbers = f"from {spell(before)} to {spell(after)}"
    if before <= 0 or after <= 0:
        return f"went {numbers}"
    ratio = before / after

    def times(r: float) -> str:
        return f"{r:.1f}" if r < 10 else f"{r:,.0f}"

    if ratio >= 1.2:
        return f"fell {times(ratio)}-fold, {numbers}"
    if ratio <= 1 / 1.2:
        return f"rose {times(1 / ratio)}-fold, {numbers}"
    return f"hardly changed, {numbers}"


def share(part: int, whole: int) -> str:
    """ "12 of 441 (2.7%)"."""
    return f"{part:,} of {whole:,} ({part / whole:.1%})" if whole else f"{part:,} of 0"


def listing(items: list[str], last: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]
