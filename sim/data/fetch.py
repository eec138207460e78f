"""``sim data fetch``: history a finance department refreshes itself, from the publishers' open
interfaces.

The series and where each comes from are data: ``configs/data-sources.toml`` (its comments
describe the two interfaces, Statistics Sweden's PxWeb API and the Riksbank's SWEA API). Each
source is fetched over plain HTTPS (``urllib``: two small JSON interfaces need no client
library), parsed, checked (months consecutive, values finite, at least one row) and turned into
a history file whose header names the series, the publisher, the table or series id, the
address asked, the retrieval date and the licence.

Nothing is written until every source asked for has been fetched and checked; then all files
are written as one unit (:func:`sim.results.atomic_write_many`). A network error, an HTTP
error, an answer in another format or an empty series raises :class:`FetchError` naming the
source and what went wrong, and leaves the existing files whole.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

from pydantic import Field, ValidationError, model_validator

from ..params import Strict
from .files import table_text

__all__ = ["FetchError", "Source", "load_sources", "fetch_source", "fetch_all", "http_get",
           "DEFAULT_SOURCES", "USER_AGENT"]

DEFAULT_SOURCES = Path("configs/data-sources.toml")
USER_AGENT = "regionrisk-sim (sim data fetch)"
#: The largest answer read from an interface (a century of daily observations is ~2 MB).
MAX_ANSWER = 20 * 1024 * 1024
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class FetchError(Exception):
    """A source that could not be fetched or read; the message names it and the reason."""


class Source(Strict):
    """One series to fetch (``configs/data-sources.toml``)."""

    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.csv$")
    column: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    series: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    table: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    api: Literal["pxweb", "swea"]
    url: str = Field(pattern=r"^https?://")
    first: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    contents: str | None = Field(None, description="pxweb: the ContentsCode")
    id: str | None = Field(None, description="swea: the series id")
    monthly: Literal["month_end", "month_mean"] | None = None

    @model_validator(mode="after")
    def _interface_keys(self) -> Source:
        if self.api == "pxweb" and not self.contents:
            raise ValueError("contents: a pxweb source needs its ContentsCode")
        if self.api == "swea" and (not self.id or not self.monthly):
            raise ValueError("id, monthly: a swea source needs its series id and how its daily "
                             "observations become monthly (month_end or month_mean)")
        return self


def load_sources(path: Path) -> dict[str, Source]:
    """The sources of a data-sources file, by name; a bad file raises :class:`FetchError`
    naming the key and what is allowed."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FetchError(f"--sources {path}: cannot read it ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FetchError(f"--sources {path}: not a TOML file ({exc})") from None
    out = {}
    for name, body in raw.items():
        if not isinstance(body, dict):
            raise FetchError(f"--sources {path}: {name!r} must be a table [{name}]")
        try:
            out[name] = Source.model_validate(body)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise FetchError(f"--sources {path}: [{name}] {where}: {err['msg']}") from None
    if not out:
        raise FetchError(f"--sources {path}: no sources in it")
    return out


#: ``(url, body or None, timeout) -> bytes``: the one function that touches the network.
Getter = Callable[[str, bytes | None, float], bytes]


def http_get(url: str, body: bytes | None, timeout: float) -> bytes:
    """GET (or POST ``body`` as JSON) ``url`` and return the answer's bytes."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers,
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=timeout) as answer:   # noqa: S310 (https only)
        data = answer.read(MAX_ANSWER + 1)
    if len(data) > MAX_ANSWER:
        raise ValueError(f"the answer is larger than {MAX_ANSWER} bytes")
    return data


def _ask(name: str, src: Source, url: str, body: bytes | None, timeout: float,
         get: Getter) -> object:
    try:
        raw = get(url, body, timeout)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{name}: {src.publisher} answered HTTP {exc.code} ({exc.reason}) for "
                         f"{url}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"{name}: could not reach {url} ({reason}); check the network "
                         "connection, or try again later") from None
    except ValueError as exc:
        raise FetchError(f"{name}: {url}: {exc}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FetchError(f"{name}: the answer from {url} is not JSON; the interface may have "
                         "changed (update configs/data-sources.toml)") from None


def _number(name: str, text, where: str) -> float | None:
    """A value of the answer: a finite number, or None for the publishers' missing-value
    marks ('..', '-', '' or null)."""
    if text is None or (isinstance(text, str) and text.strip() in ("", "..", "-", "...")):
        return None
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise FetchError(f"{name}: {where}: {text!r} is not a number; the interface may have "
                         "changed (update configs/data-sources.toml)") from None
    if not math.isfinite(v):
        raise FetchError(f"{name}: {where}: {text!r} is not a finite number")
    return v


def _pxweb(name: str, src: Source, timeout: float, get: Getter) -> dict[str, float]:
    query = {"query": [{"code": "ContentsCode",
                        "selection": {"filter": "item", "values": [src.contents]}}],
             "response": {"format": "json"}}
    answer = _ask(name, src, src.url, json.dumps(query).encode(), timeout, get)
    try:
        rows = answer["data"]
        out = {}
        for row in rows:
            key, values = row["key"], row["values"]
            month = re.fullmatch(r"(\d{4})M(\d{2})", key[-1])
            if not month:
                raise FetchError(f"{name}: the period {key[-1]!r} is not a month YYYYMmm; the "
                                 "table may not be monthly (update configs/data-sources.toml)")
            out[f"{month.group(1)}-{month.group(2)}"] = _number(name, values[0], key[-1])
    except (KeyError, IndexError, TypeError):
        raise FetchError(f"{name}: the answer from {src.url} is not PxWeb's JSON (no "
                         "data[].key/values); the interface may have changed (update "
                         "configs/data-sources.toml)") from None
    return {m: v for m, v in out.items() if m >= src.first}


def _swea(name: str, src: Source, timeout: float, get: Getter, today: _dt.date
          ) -> dict[str, float]:
    url = f"{src.url.rstrip('/')}/Observations/{src.id}/{src.first}-01/{today.isoformat()}"
    answer = _ask(name, src, url, None, timeout, get)
    if not isinstance(answer, list):
        raise FetchError(f"{name}: the answer from {url} is not a list of observations; the "
                         "interface may have changed (update configs/data-sources.toml)")
    by_month: dict[str, list[tuple[str, float]]] = {}
    for obs in answer:
        try:
            date, value = obs["date"], obs["value"]
        except (KeyError, TypeError):
            raise FetchError(f"{name}: an observation from {url} has no date and value: "
                             f"{obs!r}; the interface may have changed") from None
        if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date[:10]):
            raise FetchError(f"{name}: {date!r} from {url} is not a date YYYY-MM-DD")
        v = _number(name, value, date)
        if v is not None:
            by_month.setdefault(date[:7], []).append((date[:10], v))
    out = {}
    current = today.strftime("%Y-%m")
    for month, obs in by_month.items():
        if month >= current:
            continue                     # a month not yet over has no month-end or mean
        obs.sort()
        out[month] = obs[-1][1] if src.monthly == "month_end" else (
            sum(v for _, v in obs) / len(obs))
    return out


@dataclass(frozen=True)
class Fetched:
    """A fetched series, ready to write: its file name and text, and what it holds."""

    name: str
    file: str
    text: str
    first: str
    last: str
    rows: int


def fetch_source(name: str, src: Source, today: _dt.date, timeout: float = 60.0,
                 get: Getter = http_get) -> Fetched:
    """Fetch one source and return its history file (nothing written)."""
    values = (_pxweb(name, src, timeout, get) if src.api == "pxweb"
              else _swea(name, src, timeout, get, today))
    months = sorted(m for m, v in values.items() if v is not None)
    if not months:
        raise FetchError(f"{name}: the answer holds no values from {src.first} on; the series "
                         "may have moved (update configs/data-sources.toml)")
    first, last = months[0], months[-1]
    expected = _months_between(first, last)
    missing = [m for m in expected if values.get(m) is None]
    if missing:
        raise FetchError(f"{name}: the answer lacks {len(missing)} month(s) between {first} and "
                         f"{last} (the first: {missing[0]}); a history file's months are "
                         "consecutive")
    address = src.url if src.api == "pxweb" else f"{src.url.rstrip('/')}/Observations/{src.id}"
    header = [
        f"Series: {src.series}",
        f"Publisher: {src.publisher}",
        f"Table or series id: {src.table}",
        f"Obtained from: {address} ({'PxWeb API v1, POST' if src.api == 'pxweb' else 'GET'})"
        + (f", daily observations made monthly: {src.monthly}" if src.monthly else ""),
        f"Retrieved: {today.isoformat()} by `sim data fetch` (configs/data-sources.toml, "
        f"[{name}])",
        f"Licence: {src.licence}",
        f"Range: {first} to {last}, {len(expected)} months, no gaps.",
    ]
    text = table_text(header, ["month", src.column], [[m, values[m]] for m in expected])
    return Fetched(name, src.file, text, first, last, len(expected))


def _months_between(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fetch_all(sources: dict[str, Source], names: list[str], today: _dt.date,
              timeout: float = 60.0, get: Getter = http_get,
              progress: Callable[[str], None] = lambda name: None) -> list[Fetched]:
    """Fetch every source named (all when ``names`` is empty), in the file's order. Raises
    :class:`FetchError` at the first failure: the caller then writes nothing."""
    unknown = [n for n in names if n not in sources]
    if unknown:
        raise FetchError(f"{unknown[0]!r} is not a source; allowed: {', '.join(sources)}")
    out = []
    for name in names or list(sources):
        progress(name)
        out.append(fetch_source(name, sources[name], today, timeout, get))
    return out
