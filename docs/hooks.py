"""MkDocs hook: the reference pages that are written from the code when the site is built.

* ``reference/variables.md``: the variable catalogue (``sim/catalogue.py``), every variable a
  results file may hold with its unit, Swedish label and definition, grouped as the catalogue
  groups them.
* ``reference/config.md``: the plan config's schema (``sim/config/``, pydantic v2 models),
  a table per section with each key's type, unit, allowed range, default and description.
* ``reference/api.md`` (mkdocstrings): the docstrings' Sphinx roles (``:func:`name```) are
  shown as the code they name, without the role.

Each page is a short file in ``docs/reference/`` whose marker line (``<!-- generated: NAME
-->``) is replaced by the tables, so the page also reads on its own where the site is not
built. Registered under ``hooks:`` in ``mkdocs.yml``.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The pages this hook writes, by their path under docs/, and the marker each must hold.
GENERATED = {
    "reference/variables.md": "<!-- generated: variables -->",
    "reference/config.md": "<!-- generated: config -->",
}


#: A Sphinx role before a code span (``:class:`~sim.config.PlanConfig```), in Markdown and as
#: rendered; the docstrings use them, Markdown has no such thing.
_ROLE_MD = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):(`+)~?")
_ROLE_HTML = re.compile(r":(?:func|class|meth|mod|attr|data|obj|exc):(<code>)~?")


def on_page_markdown(markdown, page, config, files):
    marker = GENERATED.get(page.file.src_uri)
    if marker is None:
        return markdown
    if marker not in markdown:
        raise ValueError(f"docs/{page.file.src_uri}: the marker line {marker!r} is missing")
    build = {"reference/variables.md": variables_markdown,
             "reference/config.md": config_markdown}[page.file.src_uri]
    return markdown.replace(marker, _ROLE_MD.sub(r"\1", build()))


def on_page_content(html, page, config, files):
    if page.file.src_uri == "reference/api.md":
        return _ROLE_HTML.sub(r"\1", html)
    return html


# --------------------------------------------------------------------------------------------
# Shared
# --------------------------------------------------------------------------------------------


def _cell(text: object) -> str:
    """Text for a Markdown table cell: one line, pipes escaped outside code spans (inside
    them the table reads a pipe as text)."""
    text = " ".join(str(text).split())
    parts = re.split(r"((`+).*?\2)", text)
    out = []
    for i, part in enumerate(parts):
        if i % 3 == 0:
            out.append(part.replace("|", "\\|"))
        elif i % 3 == 1:
            out.append(part)
    return "".join(out)


def _code(text: object) -> str:
    return f"`{text}`" if str(text) else ""


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# The variable catalogue
# --------------------------------------------------------------------------------------------


def _catalogue_groups(source: str, keys: list[str]) -> dict[str, str]:
    """Each base entry's group: the comment line above it in ``_BASE`` (``# --- the funds``,
    ``# sim strategy: ...``); a note that is not a group heading is skipped."""
    group, out = "", {}
    body = source[source.index("_BASE"):]
    for line in body.splitlines()[1:]:
        stripped = line.strip()
        if stripped == "}":
            break
        heading = re.match(r"#\s*(?:---\s*(.+)|(sim \w[\w-]*:.+))$", stripped)
        if heading:
            group = (heading.group(1) or heading.group(2)).strip()
            continue
        entry = re.match(r'"([A-Za-z0-9_]+)"\s*:', stripped)
        if entry and entry.group(1) in keys:
            out[entry.group(1)] = group
    return out


def variables_markdown() -> str:
    from sim import catalogue

    base = list(catalogue._BASE)
    groups = _catalogue_groups(Path(catalogue.__file__).read_text(encoding="utf-8"), base)
    by_group: dict[str, list[str]] = {}
    for name in catalogue.CATALOGUE:
        if name in groups:
            group = groups[name]
        else:   # a derived statistic (``_mean``, ``_se``, ...) goes with the entry it is built on
            parent = max((b for b in base if name.startswith(b) and b != name), key=len,
                         default=None)
            group = groups.get(parent, "") if parent else ""
        by_group.setdefault(group or "other", []).append(name)

    parts = [f"The catalogue holds {len(catalogue.CATALOGUE)} variables: "
             f"{len(base)} entries and the statistics and uncertainties built from them "
             "(suffixes below)."]
    for group, names in by_group.items():
        command = re.match(r"(sim [\w-]+)(:.*)", group)
        title = f"`{command.group(1)}`{command.group(2)}" if command else group[0].upper() + group[1:]
        parts.append(f"## {title}")
        rows = []
        for name in names:
            e = catalogue.CATALOGUE[name]
            rows.append([_code(name), _code(e.units) if e.units else "", _cell(e.label),
                         _cell(e.definition)])
        parts.append(_table(["variable", "units", "label (long_name)", "definition"], rows))

    parts.append("## Suffixes")
    parts.append("Statistics of a distribution (added to `net_result` and `bkr`), and the "
                 "uncertainty of every probability (`p_...`) and change (`..._change`):")
    rows = [[_code(s), _cell(lab.lstrip(", ")), _cell(d)]
            for s, (lab, d) in {**catalogue._STATS, **catalogue._ERRORS}.items()]
    parts.append(_table(["suffix", "label", "definition"], rows))

    parts.append("## Channels")
    parts.append("The channels a reader thinks in, each a group of the budget's drivers "
                 "(`sim.catalogue.CHANNELS`; a fund's realized return is `fund_<key>`), in the "
                 "order shown:")
    rows = [[_code(key), _cell(lab), ", ".join(_code(d) for d in drivers)]
            for key, (lab, drivers) in catalogue.channel_members().items()]
    parts.append(_table(["channel", "label", "drivers"], rows))
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------
# The config schema
# --------------------------------------------------------------------------------------------


def _unwrap(tp):
    """``(type, [metadata...])`` with Annotated layers removed."""
    meta: list = []
    while typing.get_origin(tp) is typing.Annotated:
        meta.extend(tp.__metadata__)
        tp = tp.__origin__
    return tp, meta


def _is_union(tp) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _is_model(tp) -> bool:
    from pydantic import BaseModel

    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _fmt_num(x) -> str:
    if x is None:
        return ""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        x = int(x)
    text = f"{x:g}" if isinstance(x, float) else str(x)
    return text.replace("-", "−")


def _constraints(meta: list) -> tuple[list[str], list[str]]:
    """The units and the constraints that ``meta`` (pydantic and ``sim.params`` validators)
    states."""
    units, rules = [], []
    for m in meta:
        func = getattr(m, "func", None)
        if func is not None and callable(func):
            qual = getattr(func, "__qualname__", "")
            free = inspect.getclosurevars(func).nonlocals
            if qual.startswith("unit_is."):
                units.extend(free.get("allowed", ()))
            elif qual.startswith("in_range."):
                lo, hi, lo_open = free.get("lo"), free.get("hi"), free.get("lo_open", False)
                left = "(" if lo_open else "["
                rules.append(f"{left}{_fmt_num(lo) if lo is not None else '−∞'}, "
                             f"{_fmt_num(hi) if hi is not None else '∞'}]")
            continue
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if getattr(m, attr, None) is not None and type(m).__name__.lower() == attr:
                rules.append(f"{sym} {_fmt_num(getattr(m, attr))}")
        if len(rules) >= 2 and rules[-2][0] in "≥>" and rules[-1][0] in "≤<":
            lo, hi = rules.pop(-2), rules.pop()   # a lower and an upper bound: one interval
            rules.append(f"{'[' if lo[0] == '≥' else '('}{lo[2:]}, {hi[2:]}"
                         f"{']' if hi[0] == '≤' else ')'}")
        if type(m).__name__ == "MinLen":
            rules.append("not empty" if m.min_length == 1 else f"length ≥ {m.min_length}")
        elif type(m).__name__ == "MaxLen":
            rules.append(f"length ≤ {m.max_length}")
        elif getattr(m, "pattern", None):
            rules.append(f"pattern `{m.pattern}`")
    return units, rules


class _Schema:
    """Walks the pydantic models from :class:`sim.config.PlanConfig` down, one section per
    model, in the order the fields are declared."""

    LEAVES = ("Quantity", "Series")

    def __init__(self):
        self.sections: list[tuple[str, type, str]] = []   # (dotted path, model, note)
        self.anchors: dict[tuple[str, str], str] = {}
        self.first_path: dict[type, str] = {}

    def anchor(self, path: str, model: type) -> str:
        key = (path, model.__name__)
        if key not in self.anchors:
            slug = re.sub(r"[^a-z0-9]+", "-", f"{path}-{model.__name__}".lower()).strip("-")
            self.anchors[key] = f"cfg-{slug}"
        return self.anchors[key]

    def describe(self, tp, meta: list, path: str, queue: list) -> tuple[str, list, list]:
        """The type's name for a reader, its units and rules; nested models are queued."""
        tp, more = _unwrap(tp)
        meta = list(meta) + more
        if _is_union(tp):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            names, units, rules = [], [], []
            for a in args:
                n, u, r = self.describe(a, meta, path, queue)
                names.append(n)
                units += [x for x in u if x not in units]
                rules += [x for x in r if x not in rules]
            optional = len(args) < len(typing.get_args(tp))
            text = " or ".join(dict.fromkeys(names))
            return (text + (" (optional)" if optional else "")), units, rules
        origin = typing.get_origin(tp)
        if origin is typing.Literal:
            own_units, own_rules = _constraints(meta)
            from sim.params import UNITS

            if set(typing.get_args(tp)) == set(UNITS):
                return "[a unit](#units)", own_units, own_rules
            values = [f'`"{a}"`' if isinstance(a, str) else f"`{a}`" for a in typing.get_args(tp)]
            text = values[0] if len(values) == 1 else "one of " + ", ".join(values)
            return text, own_units, own_rules
        if origin in (list, tuple):
            (inner,) = typing.get_args(tp)[:1]
            n, u, r = self.describe(inner, [], path, queue)
            own_units, own_rules = _constraints(meta)
            plural = {"number": "numbers", "text": "texts", "integer": "integers"}
            if n.startswith("list of "):
                n = "lists of " + n.removeprefix("list of ")
            return f"list of {plural.get(n, n)}", u + own_units, r + own_rules
        if origin is dict:
            _, inner = typing.get_args(tp)
            n, u, r = self.describe(inner, [], f"{path}.<key>", queue)
            own_units, own_rules = _constraints(meta)
            return f"{n}, one per key", u + own_units, r + own_rules
        units, rules = _constraints(meta)
        if _is_model(tp):
            if tp.__name__ in self.LEAVES:
                kind = "quantity" if tp.__name__ == "Quantity" else "series"
                return f"[{kind}](#value-types)", units, rules
            if tp in self.first_path and self.first_path[tp] != path:
                # the same model documented at another path: link to it (``[vintage]`` has
                # the keys of ``[information]``)
                other = self.first_path[tp]
                return f"[table](#{self.anchor(other, tp)}), as `[{other}]`", units, rules
            self.first_path.setdefault(tp, path)
            queue.append((path, tp))
            return f"[table](#{self.anchor(path, tp)})", units, rules
        names = {int: "integer", float: "number", str: "text", bool: "true/false"}
        return names.get(tp, getattr(tp, "__name__", str(tp))), units, rules

    def default(self, info) -> str:
        from pydantic_core import PydanticUndefined

        if info.is_required():
            return "required"
        if info.default_factory is not None:
            try:
                value = info.default_factory()
            except TypeError:
                return ""
        else:
            value = info.default
        if value is PydanticUndefined:
            return ""
        if value is None:
            return "none"
        if _is_model(type(value)) and type(value).__name__ not in self.LEAVES:
            return "each key's default"
        if hasattr(value, "value") and hasattr(value, "unit"):
            return f"{_fmt_num(value.value)} {value.unit}"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)) and not value:
            return "empty"
        if isinstance(value, str):
            return f'`"{value}"`'
        return _code(_fmt_num(value))

    def section(self, path: str, model: type) -> tuple[str, list]:
        queue: list = []
        rows = []
        hints = None
        for name, info in model.model_fields.items():
            tp = info.annotation
            if isinstance(tp, (str, typing.ForwardRef)):   # declared before its type
                hints = hints or typing.get_type_hints(model, include_extras=True)
                tp = hints[name]
            text, units, rules = self.describe(tp, info.metadata, f"{path}.{name}" if path
                                               else name, queue)
            desc = info.description or ""
            inner, _ = _unwrap(tp)
            if _is_union(inner):
                models = [a for a in typing.get_args(inner) if _is_model(_unwrap(a)[0])]
                inner = _unwrap(models[0])[0] if len(models) == 1 else inner
            if not desc and _is_model(inner) and inner.__name__ not in self.LEAVES:
                desc = _first_sentence(inner.__doc__)
            rows.append([_code(name), text, ", ".join(_code(u) for u in units),
                         _cell("; ".join(rules)), self.default(info), _cell(desc)])
        title = f"`[{path}]`" if path else "Top level"
        doc = _docstring(model)
        text = [f"## {title} {{ #{self.anchor(path, model)} }}"]
        if model.__name__ in ("FixedMix", "Dynamic"):
            text.append(f"The strategy `kind = \"{model.model_fields['kind'].annotation.__args__[0]}\"`"
                        f" ({model.__name__}).")
        if doc:
            text.append(doc)
        text.append(_table(["key", "type", "unit", "allowed", "default", "description"], rows))
        return "\n\n".join(text), queue

    def markdown(self) -> str:
        from sim.config import PlanConfig

        done: set = set()
        out = []
        stack = [("", PlanConfig)]
        while stack:                      # depth first: a section, then its subsections
            path, model = stack.pop(0)
            if (path, model) in done:
                continue
            done.add((path, model))
            text, more = self.section(path, model)
            out.append(text)
            stack[:0] = more
        return "\n\n".join(out)


def _docstring(model: type) -> str:
    doc = inspect.cleandoc(model.__doc__ or "")
    from pydantic import BaseModel

    if not doc or doc == inspect.cleandoc(BaseModel.__doc__ or ""):
        return ""
    return doc


def _first_sentence(doc: str | None) -> str:
    """The docstring's first sentence (to its first full stop followed by a space)."""
    doc = " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())
    head, sep, _ = doc.partition(". ")
    return head + "." if sep else doc


def config_markdown() -> str:
    from sim.params import UNITS, Quantity, Series

    parts = ["## Value types { #value-types }",
             "A **quantity** is an inline table; an estimated one also carries its standard "
             "error. A **series** is a table of yearly figures with one unit and source "
             "(the docstrings of `sim.params.Quantity` and `sim.params.Series`):"]
    for model in (Quantity, Series):
        rows = []
        schema = _Schema()
        for name, info in model.model_fields.items():
            text, units, rules = schema.describe(info.annotation, info.metadata, name, [])
            rows.append([_code(name), text, _cell("; ".join(rules)), schema.default(info),
                         _cell(info.description or "")])
        parts.append(f"**{model.__name__}**: {_cell(_docstring(model))}")
        parts.append(_table(["key", "type", "allowed", "default", "description"], rows))
    parts.append("### Units { #units }")
    parts.append("The units a config may use (`sim.params.UNITS`):")
    parts.append(_table(["unit", "meaning"], [[_code(u), _cell(m)] for u, m in UNITS.items()]))
    parts.append(_Schema().markdown())
    return "\n\n".join(parts) + "\n"
