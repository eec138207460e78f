"""The board's report, written once: an HTML document from which both ``riskanalys.html`` (a
self-contained page) and ``riskanalys.pdf`` (WeasyPrint: tagged, vector charts, real fonts,
page and figure numbers, bookmarks) are made. The sections are written in
:mod:`sim.present.sections`; this module orders them, numbers figures and tables, and renders.

Everything in it is generated from the results Datasets: each sentence is built whole for its
case (no labels pasted into sentences), in Swedish typography (en dash in ranges, a
non-breaking space before % and mnkr, ”…” quotes). Figures and tables are numbered in the order
they appear. The plan rows are the plan document's own figures (``plan.printed`` in the
config), never recomputed ones; budget years and kalkyl years are marked.
"""

from __future__ import annotations

from pathlib import Path

from . import fmt, protected_fund
from .sections.blocks import (DRAWN, NBSP, TEMPLATES, Details, Document, Figure, Section, Table,
                              chart_svg, pct)
from .sections.board import changes_section, reserve_section, results_section, summary_section
from .sections.funds import funds_section
from .sections.reference import (assumptions_blocks, cover_lines, glossary_section, path_sentence,
                                 reading_section, scenarios_blocks, technical_section)
from .sections.risk import limits_section, sensitivity_section, stress_section
from .tables import stress_intro


__all__ = ["Document", "build", "render_html", "write_html", "write_pdf_html", "Table",
           "Figure", "Details", "Section", "NBSP", "pct", "chart_svg", "path_sentence",
           "assumptions_blocks", "scenarios_blocks"]


def build(mc, stress=None, sens=None, title: str = "Riskanalys inför finansplan",
          models=None, backtest=None, figures: dict | None = None,
          strategy=None, previous=None) -> Document:
    """The whole document from the results Datasets (``stress``, ``sens``, ``models``, the
    model variants of ``sim compare``, ``backtest``, of ``sim backtest``, ``strategy``, of ``sim
    strategy``, and ``previous``, the change from an earlier analysis, optional).
    ``figures``: charts already drawn from these Datasets (name -> (figure, rows),
    :func:`sim.present.charts.draw_charts`), used instead of drawing them again."""
    token = DRAWN.set(figures or {})
    try:
        with fmt.nonbreaking():      # a number never breaks across a line on the page
            return _build(mc, stress, sens, title, models, backtest, strategy, previous)
    finally:
        DRAWN.reset(token)


def _build(mc, stress, sens, title, models, backtest, strategy=None, previous=None) -> Document:

    sections = [summary_section(mc, stress), changes_section(mc, previous),
                results_section(mc), reserve_section(mc, stress)]
    if stress is not None:
        sections.append(stress_section(stress, stress_intro(stress)))
    if sens is not None:
        sections.append(sensitivity_section(sens))
    protected = protected_fund(mc)
    if protected is not None or "fund" in mc.dims:
        sections.append(funds_section(mc, strategy))
    glossary = glossary_section(mc)
    glossary.title = "Så läser du rapporten, och ordlista"
    glossary.blocks = reading_section(mc).blocks + glossary.blocks
    sections += [limits_section(mc, models, backtest), glossary,
                 technical_section(mc, stress, sens, models, strategy)]
    n_tab = n_fig = 0

    def number(blocks, shown: bool):
        nonlocal n_tab, n_fig
        for b in blocks:
            if isinstance(b, Table):
                n_tab += 1
                b.number, b.id = n_tab, f"tabell-{n_tab}"
            elif isinstance(b, Figure):
                n_fig += 1
                b.number, b.id = n_fig, f"figur-{n_fig}"
                if b.data is not None:
                    b.data.id = f"figur-{n_fig}-data"
                    b.data.caption = f"Data för figur {n_fig}"
            elif isinstance(b, Details):
                pass
    for sec in sections:                 # the printed tables and figures first, in order
        number(sec.blocks, True)
    for sec in sections:                 # then the page's folded ones
        for b in sec.blocks:
            if isinstance(b, Details):
                number(b.blocks, False)
    return Document(title, str(mc.attrs.get("title", "")), cover_lines(mc), sections)


def render_html(doc: Document, for_print: bool = False) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=True, lstrip_blocks=True)
    env.globals.update(is_table=lambda b: isinstance(b, Table),
                       is_figure=lambda b: isinstance(b, Figure),
                       is_details=lambda b: isinstance(b, Details),
                       is_list=lambda b: isinstance(b, list))
    css = (TEMPLATES / "riskanalys.css").read_text(encoding="utf-8")
    return env.get_template("riskanalys.html.j2").render(doc=doc, css=css, for_print=for_print)


def html_writer(doc: Document):
    """``write(tmp)`` of riskanalys.html, the page rendered now."""
    text = render_html(doc)

    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")
    return write


def write_html(path, doc: Document):
    from ..results import atomic_write

    return atomic_write(path, html_writer(doc))


def _font_css() -> str:
    """The PDF's fonts: DejaVu Sans as matplotlib ships it, so every machine embeds the same
    font files (the page itself falls back to the reader's sans-serif)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = []
    for weight, style, name in ((400, "normal", "DejaVuSans.ttf"),
                                (700, "normal", "DejaVuSans-Bold.ttf"),
                                (400, "italic", "DejaVuSans-Oblique.ttf")):
        faces.append(f"@font-face {{ font-family: 'Report Sans'; font-weight: {weight}; "
                     f"font-style: {style}; src: url('{(folder / name).as_uri()}'); }}")
    return "\n".join(faces) + "\nbody, svg text { font-family: 'Report Sans'; }\n"


def load_pdf_renderer() -> None:
    """Import WeasyPrint, half a second: the report does it while its charts are drawn in
    other processes (:func:`sim.present.charts.render_charts`), before :func:`pdf_writer`
    needs it."""
    import weasyprint  # noqa: F401


def pdf_writer(doc: Document):
    """``write(tmp)`` of the PDF from the same HTML: tagged (PDF/UA-1), fonts embedded,
    byte-identical for the same inputs (a fixed identifier, no dates)."""
    import hashlib

    from weasyprint import CSS, HTML

    html = render_html(doc, for_print=True)
    ident = hashlib.sha256(html.encode()).hexdigest()[:32].encode()

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
                fh, stylesheets=[CSS(string=_font_css())], pdf_variant="pdf/ua-1",
                pdf_identifier=ident, uncompressed_pdf=False, finisher=add_id_tree)
    write.cost = 10                # the longest render: started first when rendering in parallel
    return write


def add_id_tree(document, pdf) -> None:
    """Give the PDF's structure tree its ``/IDTree`` (WeasyPrint's ``finisher``, called on its
    PDF objects before they are written): WeasyPrint gives each table header cell an ``/ID``
    and each data cell ``/Headers`` naming them, but leaves out the name tree that resolves the
    IDs (ISO 32000-1, 14.7.2: required when any element has an ID), so the header association
    of every table would not hold for a checker or a screen reader. Added to the objects, not
    by reading the written PDF back and writing it again (0,3 s and pypdf's import)."""
    import pydyf

    root, ids = None, {}
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary):
            continue
        kind = obj.get("Type")
        if kind == "/StructTreeRoot":
            root = obj
        elif kind == "/StructElem" and isinstance(obj.get("ID"), pydyf.String):
            ids[str(obj["ID"].string)] = obj.reference
    if root is None or not ids:
        return
    names = pydyf.Array()
    for key in sorted(ids):           # a name tree's keys in order
        names += [pydyf.String(key), ids[key]]
    root["IDTree"] = pydyf.Dictionary({"Names": names})


def write_pdf_html(path, doc: Document):
    """riskanalys.pdf (:func:`pdf_writer`), atomically."""
    from ..results import atomic_write

    return atomic_write(path, pdf_writer(doc))
