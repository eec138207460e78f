"""The reader's aids and the technical part: how to read the report, the glossary, the cover's
facts, the provenance, every assumption and every stress scenario in words."""

from __future__ import annotations

from .. import fmt, protected_fund
from ...config import PlanConfig
from ...stress.scenario import FactorPath, recorded_scenarios
from .blocks import NBSP, Details, Section, Table, lower_first, pct, run_config, value_text
from .funds import floor_rule_words


def reading_section(mc) -> Section:
    as_of = str(mc.attrs.get("information_as_of", "none"))
    n = int(mc.attrs.get("paths", 0))
    s = Section("las", "Så läser du rapporten")
    known = ("utan informationsdatum: planen från dess första år" if as_of == "none"
             else f"med det som var känt i {fmt.month(as_of)}")
    s.blocks.append(
        f"Analysen bygger på {fmt.number(n)} simulerade scenarier för ekonomin, budgeten och "
        f"finansmarknaderna, {known}. En sannolikhet på 20{NBSP}% betyder att utfallet "
        "inträffar i vart femte scenario: det är modellens bedömning givet dess antaganden, "
        "inte en prognos. Varje sannolikhet har ett simuleringsfel på några tiondels "
        "procentenheter; osäkerheten i modellens antaganden är större och redovisas under "
        "Begränsningar.")
    return s


def technical_section(mc, stress=None, sens=None, models=None, strategy=None) -> Section:
    """The provenance in one place (configuration, its hash, seed, paths, model, versions,
    commit), and in the page's expandable parts the assumptions and the scenario
    definitions."""
    cfg = run_config(mc)
    s = Section("teknik", "Teknisk information")
    info = str(mc.attrs.get("information_as_of", "none"))
    rows = [("Plan", [str(mc.attrs.get("config_name", ""))]),
            ("Konfigurationens kontrollsumma (SHA-256)", [str(mc.attrs.get("config_sha256", ""))[:16]]),
            ("Scenarier och startvärde för slumptalen",
             [f"{fmt.number(int(mc.attrs.get('paths', 0)))}, {mc.attrs.get('seed', '')}"]),
            ("Informationsdatum", [fmt.month(info) if info != "none" else "inget"]),
            ("Scenariogeneratorns modell", [model_name(cfg)]),
            ("Programversion", [str(mc.attrs.get("git_commit", ""))[:12]]),
            ("Skapad", [str(mc.attrs.get("created", ""))[:10]])]
    s.blocks.append(Table("Underlaget för rapportens siffror", ["Uppgift", "Värde"], rows,
                          note=("Konfigurationen, versionerna och alla resultat finns i "
                                "resultatfilerna och i Excelbokens flik Konfiguration.")))
    s.blocks.append(Details("Antagandena i konfigurationen", assumptions_blocks(mc)))
    if stress is not None:
        s.blocks.append(Details("Stresscenariernas definitioner", scenarios_blocks(stress)))
    return s


def model_name(cfg: PlanConfig) -> str:
    cal = cfg.esg.calibration if cfg.esg is not None else None
    until = cal.data_through if cal is not None else None
    return (f"skattad på data till och med {fmt.month(until)}" if until else
            "handsatt (inte skattad)")


def assumptions_blocks(mc) -> list:
    """Every assumption of the config (a value no source gives), with its reason as the
    config states it (in English: marked so for screen readers)."""
    cfg = run_config(mc)
    rows = []

    def walk(node, path):
        if isinstance(node, dict):
            if "value" in node and "source" in node and isinstance(node["source"], str):
                if node["source"].startswith("assumption"):
                    v = node["value"]
                    text = (fmt.number(v, 4).rstrip("0").rstrip(",") if isinstance(
                        v, (int, float)) else str(v))
                    rows.append((path, [text, str(node.get("unit", "")), node["source"]]))
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)

    walk(cfg.model_dump(mode="json"), "")
    return ["Värden som ingen källa ger; skälet står som konfigurationen anger det (på "
            "engelska). Samma tabell finns i Excelbokens flik Antaganden.",
            Table("Antaganden i konfigurationen", ["Nyckel", "Värde", "Enhet", "Skäl"], rows,
                  lang={0: "en", 2: "en", 3: "en"})]


#: The generator's monthly factors as the scenario appendix names them; a yearly factor's
#: name is the config's label.
FACTOR_NAMES = {"equity": "Aktiernas avkastning", "short_rate": "Den korta räntan",
                "inflation": "Inflationen (KPIF)"}


def path_sentence(name: str, fp: FactorPath) -> str:
    """One factor path of a scenario as a Swedish sentence, every value given."""
    monthly = fp.frequency == "monthly"
    per = "månad" if monthly else "år"
    start = fmt.month(fp.start) if monthly else fp.start
    vals = [float(v) for v in fp.values]
    shift = fp.mode == "shift"
    if fp.unit == "fraction":
        nums, unit = [value_text(100 * v, shift) for v in vals], f"{NBSP}%"
    elif shift:
        nums, unit = [value_text(v, True) for v in vals], " procentenheter"
    else:
        nums, unit = [value_text(v) for v in vals], f"{NBSP}% per år"
    if fp.unit == "fraction" and not shift:
        text = f"{name} per {per} är {'; '.join(nums)}{unit}"
    else:
        text = f"{name} {'flyttas' if shift else 'sätts till'} {'; '.join(nums)}{unit}"
    if len(vals) > 1:
        text += f", {len(vals)} {'månader' if monthly else 'år'} från {start}"
    else:
        text += f" {'i' if monthly else 'år'} {start}"
    then = ("därefter tillbaka till basbanan" if fp.then == "base"
            else "därefter kvar på det sista värdet")
    return f"{text}, {then}."


def scenarios_blocks(stress) -> list:
    """Each stress scenario's definition, every path in words, with its source (as the
    scenario file states it)."""
    esg = run_config(stress).esg
    annual = esg.annual if esg is not None else {}
    rows = []
    for sc in recorded_scenarios(stress):
        parts = [path_sentence(FACTOR_NAMES.get(k) or "Tillväxten i "
                               + lower_first(annual[k].label if k in annual else k), fp)
                 for k, fp in sc.factors.items()]
        if sc.measures_delivered is not None:
            v = float(sc.measures_delivered.value)
            parts.append(f"Av planens planerade åtgärder genomförs {pct(v)}.")
        if sc.income_change is not None:
            v = float(sc.income_change.value)
            parts.append(f"Verksamhetens intäkter blir {pct(abs(v))} "
                         f"{'lägre' if v < 0 else 'högre'} än i planen varje år.")
        if not parts:
            parts = ["Alla faktorer enligt planens prognoser."]
        rows.append((sc.label, [" ".join(parts), sc.source]))
    return ["Varje scenario sätter några riskfaktorers banor; övriga faktorer följer planens "
            "prognoser. Källan står som scenariofilen anger den.",
            Table("Stresscenariernas definitioner", ["Scenario", "Vad scenariot sätter",
                                                     "Källa"], rows, lang={2: "en"})]


GLOSSARY = [
    ("Balanskravsresultat", "Årets resultat efter avdrag för realisationsvinster och "
                            "orealiserade värdeförändringar; ska enligt kommunallagen inte vara "
                            "negativt."),
    ("Resultatutjämningsreserv (RUR)", "En reserv av tidigare överskott som får användas för "
                                       "att täcka ett negativt balanskravsresultat."),
    ("Finansnetto", "Finansiella intäkter minus finansiella kostnader."),
    ("Kvantil", "Värdet som ett visst andel av scenarierna ligger under; 5-procentskvantilen "
                "inträffar ungefär vart tjugonde år."),
    ("Scenario", "En simulerad framtid för ekonomin, budgeten och marknaderna."),
    ("Kalkyl", "Planens år efter budgetåren, en beräkning och inte en budget."),
]


def glossary_section(mc) -> Section:
    """The glossary; the protection level as the run's config defines it."""
    s = Section("ordlista", "Ordlista")
    terms = list(GLOSSARY)
    if protected_fund(mc) is not None:
        at = 1 + next(i for i, (k, _) in enumerate(terms) if k == "Kvantil")
        terms.insert(at, ("Skyddsnivå", "Den nivå pensionsportföljens värde inte får "
                                        f"understiga: {floor_rule_words(mc)}."))
    s.blocks.append(Table("Begrepp", ["Begrepp", "Betydelse"], [(k, [v]) for k, v in terms]))
    return s


def cover_lines(mc) -> list[tuple[str, str]]:
    """The cover's facts: the information date, the analysis date, the diary number and who
    prepared it (the config's meta), as (label, value)."""
    meta = run_config(mc).meta
    info = str(mc.attrs.get("information_as_of", "none"))
    out = [("Informationsdatum", fmt.month(info) if info != "none" else "inget (planens prognoser)"),
           ("Analysdatum", str(mc.attrs.get("created", ""))[:10])]
    if meta.diary_number:
        out.append(("Diarienummer", meta.diary_number))
    if meta.prepared_by:
        out.append(("Upprättad av", meta.prepared_by))
    return out
