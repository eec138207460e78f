"""The what-if page's HTML: the form of controls, and the answer as a fragment (rendered here,
on the server, from the answer's Dataset; the page's script only swaps it in)."""

from __future__ import annotations

import math
from functools import lru_cache
from html import escape

from ..present import fmt

#: The fan's bands: (low quantile, high quantile, fill) and the median.
_BANDS = ((0.05, 0.95, "#c6dbef"), (0.25, 0.75, "#6baed6"))


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("sim.serve", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(mnkr=fmt.mnkr, pct=lambda x, d=0: fmt.percent(x, d),
                       num=lambda x, d=1: fmt.number(x, d))
    return env


def page(title: str, region: str, controls, setting, errors, answer_html: str,
         token: str | None, precise: int, full: int, notice: str = "") -> str:
    groups: dict[str, list] = {}
    for c in controls:
        groups.setdefault(c.group, []).append(c)
    return _env().get_template("page.html.j2").render(
        title=title, region=region, groups=groups, value=setting.value, errors=errors,
        answer=answer_html, token=token, notice=notice, text=_text, precise=precise, full=full)


def _text(v) -> str:
    """A control's value as its input shows it: a choice's key, or the number as typed."""
    return v if isinstance(v, str) else fmt.exact(v)


def answer(ds, setting, command: str) -> str:
    """The answer fragment: P(deficit) and P(below the goal) per year with their standard
    errors, the fan of the balanskravsresultat against the plan, the drivers and the menu."""
    years = [int(y) for y in ds["year"].values]
    drivers = ds["contribution_mean"]
    order = abs(drivers).sum("year").values.argsort()[::-1][:8]
    return _env().get_template("answer.html.j2").render(
        ds=ds, years=years, fan=fan_svg(ds), paths=int(ds.attrs["paths"]),
        seed=ds.attrs["seed"], changed=setting.changed(), command=command,
        drivers=[(str(ds["driver_label"].values[i]), drivers.values[i]) for i in order],
        menu=[(float(lv), ds["improvement_menu"].sel(risk_level=lv).values)
              for lv in ds["risk_level"].values])


def fan_svg(ds, width: int = 640, height: int = 300) -> str:
    """The balanskravsresultat's fan per year (5-95 % and 25-75 % bands, the median) against
    the plan, as inline SVG with its title and description for a screen reader."""
    years = [int(y) for y in ds["year"].values]
    q = ds["bkr_quantile"]
    plan = ds["bkr_plan"].values
    lo_all = min(float(q.sel(quantile=0.05).min()), float(plan.min()), 0.0)
    hi_all = max(float(q.sel(quantile=0.95).max()), float(plan.max()), 0.0)
    pad = 0.08 * (hi_all - lo_all or 1.0)
    lo_all, hi_all = lo_all - pad, hi_all + pad
    left, right, top, bottom = 70, 20, 20, 40

    def x(i: int) -> float:
        return left + (width - left - right) * (i / max(len(years) - 1, 1))

    def y(v: float) -> float:
        return top + (height - top - bottom) * (hi_all - v) / (hi_all - lo_all)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             'role="img" aria-labelledby="fan-title fan-desc" class="fan">',
             '<title id="fan-title">Balanskravsresultatet per år: spridning mot planen</title>',
             '<desc id="fan-desc">' + escape(
                 "Mörkt band: hälften av utfallen (25-75 %); ljust band: 90 % (5-95 %); heldragen "
                 "linje: medianen; streckad linje: planen; tunn linje: noll. Siffrorna finns i "
                 "tabellen under diagrammet.") + '</desc>']
    for lo, hi, fill in _BANDS:
        up = [(x(i), y(float(v))) for i, v in enumerate(q.sel(quantile=hi).values)]
        down = [(x(i), y(float(v))) for i, v in enumerate(q.sel(quantile=lo).values)][::-1]
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in up + down)
        parts.append(f'<polygon points="{pts}" fill="{fill}" />')

    def line(values, style: str) -> str:
        pts = " ".join(f"{x(i):.1f},{y(float(v)):.1f}" for i, v in enumerate(values))
        return f'<polyline points="{pts}" fill="none" {style} />'

    parts.append(line(q.sel(quantile=0.5).values, 'stroke="#08306b" stroke-width="2.5"'))
    parts.append(line(plan, 'stroke="#a50f15" stroke-width="2" stroke-dasharray="6 4"'))
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
                 'stroke="#333" stroke-width="1" />')
    for i, yr in enumerate(years):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle" '
                     f'font-size="13" fill="#222">{yr}</text>')
    for v in _ticks(lo_all, hi_all):
        parts.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#222">{escape(fmt.mnkr(v))}</text>')
        parts.append(f'<line x1="{left - 4}" x2="{left}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#333" />')
    parts.append('</svg>')
    return "".join(parts)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(int((hi - first) / step) + 1)]
