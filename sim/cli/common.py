"""What every command shares: the ``sim`` group, the options declared once (config, ``--set``,
``--seed``, ``--threads``, ``--csv-locale``), the user's errors as exit status 2, and the writes
that refuse a folder they cannot write."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from .. import __version__
from ..errors import ConfigError, HistoryError, ReplayError, ResultsError, WorkflowError


CONFIG_ARG = click.argument("config", type=click.Path(dir_okay=False, path_type=Path))


SET_OPTION = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a config key, e.g. --set funds.pension.expected_return=4.5 (repeatable).")


def finite(name: str, value: float) -> float:
    """A number option must be a finite number: click's ranges let NaN through."""
    import math

    if not math.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a finite number", param_hint=name)
    return value


def csv_locale(ctx, _param, value):
    ctx.meta["csv_locale"] = value
    return value


CSV_LOCALE_OPTION = click.option(
    "--csv-locale", type=click.Choice(["en", "sv"]), default="en", show_default=True,
    expose_value=False, callback=csv_locale, is_eager=True,
    help="The summary CSV's format: en (comma, decimal point) or sv (semicolon, decimal "
         "comma: what Swedish Excel splits into columns).")


SEED_OPTION = click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=None,
                           help="Seed [default: simulation.seed of the config].")


def _max_minutes(_ctx, _param, yes: bool) -> float | None:
    from ..workflows.guard import MAX_MINUTES_UNASKED

    return None if yes else MAX_MINUTES_UNASKED


YES_OPTION = click.option(
    "--yes", "max_minutes", is_flag=True, default=False, callback=_max_minutes,
    help="Run even if the work is predicted to take more than an hour (without it, such a "
         "run stops before it starts and says how long it would take).")


THREADS_OPTION = click.option(
    "--threads", type=click.IntRange(min=1), default=None,
    help="Threads over blocks of paths [default: all cores]; results do not depend on it.")


class UserError(click.ClickException):
    """An error the user can fix: printed without a traceback, exit status 2."""

    exit_code = 2


def user_errors(fn):
    """Turn the package's user-facing errors into :class:`UserError`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ConfigError, ResultsError, WorkflowError, ReplayError, HistoryError) as exc:
            raise UserError(str(exc)) from None
        except OSError as exc:
            # what the system refused outside the writes that name their --out (numba saving
            # its compiled kernels on a full disk, a file read mid-run): said, not a traceback
            where = f"{exc.filename}: " if exc.filename else ""
            raise UserError(f"{where}{exc.strerror or exc} (the system refused; free the "
                            "space or fix the permission and run again)") from None
        except MemoryError:
            # the guard reads the machine's free memory; a cap it cannot see (a cgroup, a
            # ulimit) still ends here, without a traceback and without a partial file
            raise UserError("ran out of memory: the machine or a limit on this process has "
                            "less than the run needs. Run fewer paths, keep the summary only "
                            "(--store summary), or run on a cluster") from None
    return wrapper


def check_writable(out: Path, folder: bool = False) -> None:
    """Refuse, before any work, an ``--out`` file (or with ``folder``, an ``--out`` folder)
    that cannot be written: the nearest existing folder on its way must be writable."""
    try:
        probe = out if folder else (out.parent if str(out.parent) else Path("."))
        while not probe.exists() and probe != probe.parent:
            if probe.is_symlink():
                raise UserError(f"--out {out}: cannot write there ({probe} is a symbolic link "
                                "to nothing, or a loop of them)")
            probe = probe.parent
        is_dir = out.is_dir()                 # a name too long raises here (ENAMETOOLONG)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    if not probe.is_dir() or not can_write(probe):
        raise UserError(f"--out {out}: cannot write there ({probe} is not a writable folder)")
    if folder and out.exists() and not is_dir:
        raise UserError(f"--out {out}: is a file; give a folder")
    if not folder and is_dir:
        raise UserError(f"--out {out}: is a folder; give a file name such as {out / 'budget.nc'}")


def beside_configs(config: Path, name: str) -> Path:
    """``name`` in the configs folder a plan config's folder sits in (``configs/plans/x.toml``
    -> ``configs/name``): where the scenarios and the model variants are by default."""
    return Path(config).resolve().parents[1] / name


def can_write(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def write_or_refuse(obj, path: Path, writer):
    try:
        return writer(obj, path)
    except OSError as exc:
        raise UserError(f"--out {path}: could not write ({exc.strerror or exc})") from None


def write_text(text: str, out: Path) -> None:
    """A text file (a model file, a scenario), written atomically."""
    from ..results import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    write_or_refuse(write, out, lambda w, path: atomic_write(path, w))


def results_out_option(dimension: str | None = None):
    """``--out``: the NetCDF file a command writes with its CSV beside it
    (:func:`write_with_csv`); ``dimension`` names the one the results gain, if any."""
    what = f" (a {dimension} dimension)" if dimension else ""
    return click.option("--out", type=click.Path(path_type=Path), required=True,
                        help=f"NetCDF file to write{what}; the CSV goes beside it.")


def write_with_csv(ds, out: Path, suffix: str = ".csv") -> Path:
    """The results file and its summary CSV (``out``'s stem plus ``suffix``) as one unit: both
    written, then both renamed into place (the pair is never from two runs, nor one new and
    one old). Returns the CSV's path."""
    csv_path = out.with_name(out.stem + suffix)
    from ..present.tables import summary_frame_rows
    from ..results import atomic_write_many, csv_writer, netcdf_writer

    locale = click.get_current_context().meta.get("csv_locale", "en")
    try:
        atomic_write_many([(out, netcdf_writer(ds)),
                           (csv_path, csv_writer(summary_frame_rows(ds), locale))])
    except OSError as exc:
        raise UserError(f"--out {out}: could not write ({exc.strerror or exc})") from None
    return csv_path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sim")
def cli() -> None:
    """Risk simulator for a Swedish region's budget and pension portfolio."""
