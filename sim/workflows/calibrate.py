"""Calibration: the scenario generator fitted to ``data/history/``, its goodness of fit, the
budget's own risk from regions' budget misses, and the inflation forecasts' record."""

from __future__ import annotations

import re
from pathlib import Path

from ..config import PlanConfig
from ..errors import WorkflowError
from .guard import (BASE_BYTES, KPIF_BYTES_PER_DRAW, KPIF_DRAWS_PER_SECOND, check_work,
                    predicted_bytes, threads_or_cores)


def calibrate_esg(data_dir: Path, until: str, template: Path):
    """Fit the generator's market models to ``data_dir`` (KPIF up to ``until``) and return the
    model file's text and the fit (:mod:`sim.calibrate.esg`)."""
    from ..calibrate.esg import fit_esg, write_model
    from ..config import read_model_file
    from ..information import parse_month

    try:
        parse_month(until)
    except ValueError as exc:
        raise WorkflowError(f"--until: {exc}") from None
    if not (Path(data_dir) / "kpif_monthly_change.csv").is_file():
        raise WorkflowError(f"--data {data_dir}: no kpif_monthly_change.csv there (see "
                            "data/history/README.md for the files and their format)")
    text, parsed = read_model_file(template)
    note = ("# The economic scenario generator's parameters: the calibrated default model.\n"
            "#\n"
            f"# Written by `sim calibrate esg --data {Path(data_dir).as_posix()} --until {until} "
            f"--template {Path(template).as_posix()}`; do not edit by hand: change the data or "
            "the template\n"
            "# and run it again (a test checks the file equals the command's output). Estimated "
            "numbers carry\n"
            "# their standard error (se) and an 'estimated:' source; the rest are the template's, "
            "each with its\n"
            "# own source. docs/guides/calibrate.md shows the fits.\n")
    import numpy as np

    try:
        result = fit_esg(Path(data_dir), until, parsed)
    except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError) as exc:
        # a fit that fails on the data (a singular matrix, an overflow) is the user's error
        raise WorkflowError(f"the fit failed on the data in {data_dir} through --until {until} "
                            f"({exc}); nothing was written. Check the files' values (a level "
                            "at zero, an extreme month)") from None
    return write_model(text, result, note), result


def goodness_of_fit(result, data_dir: Path, until: str):
    """The fit's goodness of fit (:mod:`sim.calibrate.goodness`) as a results Dataset: what
    ``sim calibrate esg --plots`` draws, with the provenance every results file carries."""
    from ..calibrate.goodness import goodness_of_fit as gof
    from ..results import build_provenance

    ds = gof(result)
    ds.attrs.update({
        **build_provenance("calibration"),
        "title": "Skattade marknadsmodeller mot historiken",
        "config_name": f"sim calibrate esg --data {Path(data_dir).as_posix()} --until {until}"})
    return ds


def calibrate_budget(history: Path, plan: Path, template: Path, out: Path, paths: int,
                     seed: int, jump_share: float, until: str | None = None,
                     threads: int | None = None, max_minutes: float | None = None):
    """Estimate the operations factor from ``history`` (:mod:`sim.calibrate.budget`) against
    ``plan`` run with the model file ``template``; return the model file's text and the fit.
    The file's note names the command that rewrites ``out`` in place (the factor's estimates
    do not depend on its own values in the template, so the command is a fixed point)."""
    from ..calibrate.budget import (fit_operations, priced_spread, read_plan_outturns,
                                    write_operations)
    from ..config import ConfigError, read_model_file

    if until is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", until):
        raise WorkflowError(f"--until {until!r}: expected a date YYYY-MM-DD")
    rows = read_plan_outturns(Path(history))      # a bad file: HistoryError, by line
    text, raw = read_model_file(template)
    check_work(f"--paths {paths}", paths, predicted_bytes(paths, "annual"), max_minutes,
               "Run fewer paths (the Monte Carlo error is printed).")
    rate = operations_jump_rate(raw, template)
    try:
        priced, priced_se, _ = priced_spread(Path(plan), Path(template), paths, seed,
                                             threads_or_cores(threads))
    except ConfigError as exc:
        raise WorkflowError(str(exc)) from None
    try:
        fit = fit_operations(rows, priced, priced_se, rate, jump_share, until)
    except ValueError as exc:
        raise WorkflowError(f"{history}: {exc}") from None
    command = (f"{Path(history).as_posix()} --plan {Path(plan).as_posix()} --template "
               f"{Path(out).as_posix()} --out {Path(out).as_posix()} --paths {paths} --seed "
               f"{seed} --jump-share "
               f"{jump_share:g}" + (f" --until {until}" if until else ""))
    return write_operations(text, fit, Path(history).as_posix(), command), fit


def kpif_record(cfg: PlanConfig, data_dir: Path, paths: int, seed: int,
                max_minutes: float | None = None):
    """The plan's model against the published KPIF forecast record known at its information
    date, and its high-inflation episodes' length (:func:`sim.calibrate.forecast_record.
    check`)."""
    from ..calibrate.forecast_record import FORECASTS_FILE, check

    check_work(f"--paths {paths}", 3 * paths, BASE_BYTES + KPIF_BYTES_PER_DRAW * paths,
               max_minutes, "Draw fewer.",
               per_second=KPIF_DRAWS_PER_SECOND)
    if not (Path(data_dir) / FORECASTS_FILE).is_file():
        raise WorkflowError(f"--data {data_dir}: no {FORECASTS_FILE} there (see "
                            "data/history/README.md)")
    try:
        return check(cfg.esg, Path(data_dir), cfg.information.as_of, paths, seed)
    except ValueError as exc:                  # a bad file's HistoryError among them
        raise WorkflowError(str(exc)) from None


def operations_jump_rate(raw: dict, template: Path) -> float:
    """The model file's ``[annual.operations] jump_rate`` value (the calibration keeps it)."""
    try:
        return float(raw["annual"]["operations"]["jump_rate"]["value"])
    except (KeyError, TypeError, ValueError):
        raise WorkflowError(f"--template {template}: no [annual.operations] jump_rate value "
                            "(a model file with the operations factor)") from None
