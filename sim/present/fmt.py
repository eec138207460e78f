"""The one Swedish number formatter: every table, chart, PDF and terminal line uses it.

Rules (as a Swedish finance department prints figures):

* rounding: half away from zero, applied to the number as written (its shortest decimal
  form), so 2,5 prints as 3 and −2,5 as −3 with no decimals, and 2,675 as 2,68 with two;
* a space between groups of thousands, a decimal comma, the minus sign U+2212; in a document
  (the report's HTML and PDF, its charts) a no-break space, so "−1 069" never breaks into
  "−1" and "069" (:func:`nonbreaking`);
* no negative zero: a value that rounds to zero prints without a sign;
* a missing value (None, NaN) prints as an en dash; infinities as ∞ and −∞.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["number", "count", "mnkr", "percent", "exact", "MINUS", "MISSING", "NBSP",
           "nonbreaking"]

NBSP = "\u00a0"
#: The separator between groups of thousands: a space, or in a document a no-break space.
_SEPARATOR: contextvars.ContextVar[str] = contextvars.ContextVar("separator", default=" ")


@contextlib.contextmanager
def nonbreaking():
    """Within the block, groups of thousands are separated by a no-break space (U+00A0): for
    the report's pages and charts, where a line or a narrow column would break a number."""
    token = _SEPARATOR.set(NBSP)
    try:
        yield
    finally:
        _SEPARATOR.reset(token)

MINUS = "\u2212"
MISSING = "\u2013"


def number(x, decimals: int = 0, plus: bool = False) -> str:
    """``x`` with ``decimals`` decimals in Swedish format; ``plus`` adds "+" to a positive
    value (for changes)."""
    if x is None:
        return MISSING
    x = float(x)
    if math.isnan(x):
        return MISSING
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    try:
        q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:          # beyond the decimal context's precision (1e28 and up)
        text = f"{abs(x):.{decimals}e}".replace(".", ",")
        return (MINUS if x < 0 else ("+" if plus else "")) + text
    if q == 0:
        q = abs(q)
    text = f"{abs(q):,.{decimals}f}".replace(",", _SEPARATOR.get()).replace(".", ",")
    if q < 0:
        return MINUS + text
    return ("+" + text) if plus and q > 0 else text


_SMALL = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva",
          "tolv")


def count(n: int, neuter: bool = False) -> str:
    """A count in running text as Swedish writes it: zero to twelve in letters, larger ones in
    digits (Svenska skrivregler); one is "ett" before a neuter noun."""
    n = int(n)
    if 0 <= n < len(_SMALL):
        return "ett" if n == 1 and neuter else _SMALL[n]
    return number(n)


def mnkr(x) -> str:
    """Whole mnkr: ``-10454.4`` -> ``−10 454``."""
    return number(x, 0)


_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december")


def month(text: str) -> str:
    """A month ``YYYY-MM`` in words: ``"2022-04"`` -> ``april 2022``."""
    y, m = text.split("-")
    return f"{_MONTHS[int(m) - 1]} {int(y)}"


def percent(x, decimals: int = 1, plus: bool = False) -> str:
    """A fraction as a percentage without the sign: ``0.0514`` -> ``5,1``."""
    if x is None:
        return MISSING
    return number(100.0 * float(x), decimals, plus)


def exact(x: float) -> str:
    """A value as a person typed or a config holds it, not rounded to a column's decimals: up
    to six significant digits, a decimal comma and the minus sign, no groups of thousands (it
    is read back, as by the what-if page's inputs): ``-0.85`` -> ``−0,85``, ``1665`` ->
    ``1665``."""
    return f"{float(x):g}".replace(".", ",").replace("-", MINUS)
