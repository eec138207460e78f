"""Parameter types shared by every config section: quantities and series with unit and source.

A scalar is ``{ value = 5.0, unit = "percent_per_year", source = "..." }``; a table of yearly
figures carries one ``unit`` and ``source`` for its values. A source is a seed file and table, a
law or paper, ``derived: <how>`` or ``assumption: <reason>``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

#: Units a config may use, with their meaning (shown in error messages).
UNITS = {
    "mnkr": "millions of SEK",
    "percent_per_year": "annual change or rate in percent",
    "percent": "percentage points (a level or a deviation)",
    "percent_per_sqrt_year": "volatility of a rate in percentage points per square-root year",
    "fraction": "a share between 0 and 1",
    "fraction_per_month": "a monthly log return or its standard deviation, as a fraction",
    "per_month": "a probability or intensity per month",
    "per_year": "a rate or intensity per year",
    "years": "a number of years",
    "months": "a number of months",
    "dimensionless": "a pure number (a coefficient, degrees of freedom)",
}


#: The longest text a config, scenario or model file may give a field: a source or a label is
#: a few hundred characters; a 1 MB label hung the report's rendering.
MAX_TEXT = 10_000


def _text_a_file_can_hold(value):
    """Refuse a text a results file cannot hold (a NUL byte: HDF5 strings end at it) or one
    far longer than any label or source (:data:`MAX_TEXT`); lists and tuples item by item."""
    items = value if isinstance(value, (list, tuple)) else (value,)
    for text in items:
        if isinstance(text, str):
            if "\x00" in text:
                raise ValueError("contains a NUL byte (\\x00), which a results file cannot "
                                 "hold; remove it")
            if len(text) > MAX_TEXT:
                raise ValueError(f"a text of {len(text):,} characters; at most {MAX_TEXT:,}")
    return value


class Strict(BaseModel):
    """Base of every config model: unknown keys, NaN and infinity are refused, and so is a
    text a results file cannot hold."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _texts(cls, value):
        return _text_a_file_can_hold(value)


def _check_source(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError("a source is required: a seed file and table, a law or paper, "
                         "'derived: <how>' or 'assumption: <reason>'")
    for prefix in ("assumption", "derived"):
        if text.lower().startswith(prefix):
            rest = text[len(prefix):].lstrip(" :")
            if len(rest) < 10:
                raise ValueError(f"'{prefix}' needs a reason: write '{prefix}: <one-line reason>'")
    return text


Source = Annotated[str, AfterValidator(_check_source)]
UnitName = Literal[tuple(UNITS)]  # type: ignore[valid-type]


#: No parameter of any unit is larger than this; each type has its own tighter range where
#: one is known (1e308 in a parameter without one ran and wrote inf).
MAX_MAGNITUDE = 1.0e9


class Quantity(Strict):
    """A scalar parameter with its unit and source; an estimated one also carries its standard
    error (``se``, in the same unit), written by ``sim calibrate``."""

    value: float = Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)
    unit: UnitName
    source: Source
    se: float | None = Field(None, ge=0.0, le=MAX_MAGNITUDE,
                             description="standard error of an estimate")


class Series(Strict):
    """Yearly figures with one unit and source, from ``first_year`` on.

    ``extend`` says how years past the last value are filled: ``"none"`` (an error if they are
    needed), ``"carry_last"`` (the last value repeated, as the seed's plan does for years past
    a forecast) or ``"zero"``, with ``extend_source`` naming why.
    """

    unit: UnitName
    source: Source
    first_year: int = Field(ge=1900, le=2200)
    values: list[float] = Field(min_length=1)
    label: str | None = None
    extend: Literal["none", "carry_last", "zero"] = "none"
    extend_source: Source | None = None

    @model_validator(mode="after")
    def _extension_sourced(self) -> Series:
        if self.extend != "none" and self.extend_source is None:
            raise ValueError("extend_source is required when extend is not 'none'")
        return self

    @property
    def last_year(self) -> int:
        return self.first_year + len(self.values) - 1

    def at(self, year: int) -> float:
        """The value for ``year``, extended by the series' rule; KeyError if not covered."""
        if year < self.first_year:
            raise KeyError(year)
        if year > self.last_year:
            if self.extend == "carry_last":
                return self.values[-1]
            if self.extend == "zero":
                return 0.0
            raise KeyError(year)
        return self.values[year - self.first_year]


def unit_is(*allowed: str):
    """Validator: the quantity's unit is one of ``allowed``."""
    def check(q):
        if q.unit not in allowed:
            raise ValueError(f"unit must be {' or '.join(map(repr, allowed))}, got {q.unit!r}")
        return q
    return AfterValidator(check)


def in_range(lo: float | None = None, hi: float | None = None, lo_open: bool = False):
    """Validator: every value within ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""
    def check(q):
        vals = q.values if isinstance(q, Series) else [q.value]
        for v in vals:
            low = lo is not None and (v <= lo if lo_open else v < lo)
            if low or (hi is not None and v > hi):
                left = "(" if lo_open else "["
                rng = (f"{left}{lo if lo is not None else '-inf'}, "
                       f"{hi if hi is not None else 'inf'}]")
                raise ValueError(f"value {v:g} is outside the allowed range {rng}")
        return q
    return AfterValidator(check)


#: The largest amount a config may give, mnkr: a thousand times a large region's turnover
#: (a plan line of 1e308 ran and wrote inf and NaN).
MAX_MNKR = 1.0e6


Mnkr = Annotated[Quantity, unit_is("mnkr"), in_range(-MAX_MNKR, MAX_MNKR)]
NonNegMnkr = Annotated[Quantity, unit_is("mnkr"), in_range(0.0, MAX_MNKR)]
# a growth rate of -100 % divides by zero in the index ratios: only above it
Rate = Annotated[Quantity, unit_is("percent_per_year"), in_range(-100.0, 100.0, lo_open=True)]
Fraction = Annotated[Quantity, unit_is("fraction"), in_range(0.0, 1.0)]
Years = Annotated[Quantity, unit_is("years"), in_range(0.0, 50.0)]
MnkrSeries = Annotated[Series, unit_is("mnkr"), in_range(-MAX_MNKR, MAX_MNKR)]
RateSeries = Annotated[Series, unit_is("percent_per_year"),
                       in_range(-100.0, 1000.0, lo_open=True)]
