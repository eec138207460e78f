"""The benchmark: the engine against its NumPy reference and against drawing its random numbers.

    python -m benchmarks.bench            # the full benchmark (make bench), several minutes
    python -m benchmarks.bench --smoke    # tiny sizes, one repeat: checks that it runs (CI)

For each case it prints path-steps per second of the engine (1 and 2 threads, summary mode) and
of the NumPy reference, the time to draw the same random numbers with the engine's own
generator (the "RNG limit"), the minimal model of the engine's shape written for speed
(:mod:`benchmarks.minimal`, the lower bound), their ratios, thread scaling, JIT compile time cold and with the
cache, start-up to the first path, and peak memory. Times are medians of ``--repeats`` runs;
every ratio compares numbers measured in the same run of this script. Nothing here asserts a
time: the targets are printed beside the figures, and at the end all together, each met or
missed. The last cases time the commands a user waits for: ``make run`` end to end (into a
temporary folder), ``sim report`` on its results, the peak memory of ``sim run``, ``sim run``
at 1 000 000 paths and ``sim --help``, each as a whole process.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "plans" / "strategisk-plan-2023-2025.toml"

#: (name, paths, years, steps a month, NumPy reference paths)
CASES = [("100 000 x 360 months", 100_000, 30, 1, 10_000),
         ("1 000 000 x 72 months", 1_000_000, 6, 1, 20_000),
         ("daily: 20 000 x 30 years x 21 steps", 20_000, 30, 21, 500)]
SMOKE = [("smoke: 2 000 x 72 months", 2_000, 6, 1, 500),
         ("smoke daily: 200 x 6 years x 21 steps", 200, 6, 21, 50)]


#: The targets, each row filled in as its case is measured: (case, measured, target, met).
TARGETS: list[tuple[str, str, str, bool | None]] = []


def target(case: str, measured: str, goal: str, met: bool | None) -> None:
    TARGETS.append((case, measured, goal, met))


def print_targets() -> None:
    """Every target of this run in one table: measured, the target, met or not."""
    width = max(len(c) for c, *_ in TARGETS)
    print("== against the targets (this run)")
    for case, measured, goal, met in TARGETS:
        verdict = "-" if met is None else "met" if met else "MISSED"
        print(f"  {case:<{width}}  {measured:>16}  target {goal:<10} {verdict}")
    print()


#: Runs the sim command line in this interpreter and prints its peak memory at exit. VmHWM is
#: the process's own high-water mark: ru_maxrss (wait4, /usr/bin/time from here) survives fork
#: and exec on Linux, so a child of this benchmark, itself holding a gigabyte by then, would
#: report the benchmark's peak.
_SIM_WITH_PEAK = (
    "import atexit, sys\n"
    "atexit.register(lambda: print(next(l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM')), file=sys.stderr))\n"
    "sys.argv = ['sim'] + sys.argv[1:]\n"
    "from sim.cli import main\n"
    "main()\n")


def process_peak(args: list[str], cwd: Path) -> tuple[float, int | None]:
    """Run a command; (its wall seconds, its peak resident memory in kB for a ``sim`` command,
    else None). ``args[0] == "sim"`` runs the command line through :data:`_SIM_WITH_PEAK`."""
    peak = args[0] == "sim"
    if peak:
        args = [sys.executable, "-c", _SIM_WITH_PEAK, *args[1:]]
    t = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    seconds = time.perf_counter() - t
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): "
                           f"{proc.stderr[-2000:]}")
    return seconds, int(proc.stderr.split()[-1]) if peak else None


def end_to_end(smoke: bool) -> None:
    """``make run`` end to end into a temporary folder (the project's own commands), then
    ``sim report`` alone on its results, and the peak memory of ``sim run`` (summary mode, the
    Bilaga 2 fans, the default 100 000 paths)."""
    config = str(CONFIG.relative_to(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if smoke:
            t_make = None
        else:
            t_make, _ = process_peak(["make", "-s", "run", f"OUTDIR={out}"], ROOT)
            print(f"== make run end to end: {t_make:.1f} s (sim all: every command in one process)")
        for name in ("run", "stress", "sensitivity", "model-risk"):
            if not (out / f"{name}.nc").exists():
                args = {"run": ["run", config, "--paths", "2000"],
                        "stress": ["stress", config, *map(str, sorted(
                            (ROOT / "configs" / "scenarios").glob("*.toml")))],
                        "sensitivity": ["sensitivity", config, "--paths", "500"],
                        "model-risk": ["compare", config, "--paths", "2000"]}[name]
                process_peak(["sim", *args, "--out", str(out / f"{name}.nc")], ROOT)
        report = ["sim", "report", config, "--run", str(out / "run.nc"), "--stress",
                  str(out / "stress.nc"), "--sensitivity", str(out / "sensitivity.nc"),
                  "--models", str(out / "model-risk.nc"), "--out", str(out / "report2")]
        t_report, _ = process_peak(report, ROOT)
        print(f"== sim report on those results: {t_report:.1f} s")
        paths = "2000" if smoke else "100000"
        t_run, peak = process_peak(["sim", "run", config, "--paths", paths, "--out",
                                    str(out / "peak.nc")], ROOT)
        print(f"== sim run, {paths} paths, summary mode: {t_run:.1f} s, peak memory "
              f"{peak / 1024 ** 2:.2f} GB")
        million = "2000" if smoke else "1000000"
        t_million, _ = process_peak(["sim", "run", config, "--paths", million, "--threads", "2",
                                     "--out", str(out / "million.nc")], ROOT)
        print(f"== sim run, {million} paths, 2 threads, with the fans, whole process: "
              f"{t_million:.1f} s")
        t_help = statistics.median(process_peak(["sim", "--help"], ROOT)[0] for _ in range(5))
        print(f"== sim --help: {t_help:.2f} s\n")
    if t_make is not None:
        target("make run end to end, warm", f"{t_make:.1f} s", "<= 12 s", t_make <= 12)
        target("sim run 1 000 000 paths, whole process", f"{t_million:.1f} s", "<= 4 s",
               t_million <= 4)
    target("sim --help", f"{t_help:.2f} s", "<= 0.3 s", t_help <= 0.3)
    target("of which sim report", f"{t_report:.1f} s", "<= 3 s", t_report <= 3)
    target(f"peak memory, sim run ({paths} paths)", f"{peak / 1024 ** 2:.2f} GB", "<= 0.5 GB",
           peak / 1024 ** 2 <= 0.5)


def config(years: int, steps: int):
    """The default plan over ``years`` at ``steps`` equity steps a month; the pension
    portfolio reviewed monthly, so the generator runs at exactly those steps (a weekly review
    would make them at least weekly: PlanConfig.equity_steps)."""
    from sim.config import load_config
    return load_config(CONFIG, [f"simulation.horizon_years={years}",
                                f"esg.equity.steps_per_month={steps}",
                                "funds.pension.strategy.rebalance_per_month=1"])


def draws(p, years: int) -> str:
    """What the engine's generator draws for a path (:func:`sim.esg.model.draw_innovations`):
    its months (the plan's and the pre-plan years', in which the information date falls) and
    its variates."""
    from sim.esg.model import draw_spec

    spec = draw_spec(p)
    normals = p.steps + 2                           # equity's steps, short rate, inflation
    other = ((p.steps if spec.garch else 0) + spec.equity_regime + spec.inflation_regime
             + spec.episodes)
    k = len(spec.jump_rate)
    return (f"the engine's generator {p.n_months} months (the plan's {years * 12} and the "
            f"pre-plan years') of {normals} normals and {other} other variates a month, and "
            f"{k} normals and {k} jump counts a year")


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rng_only(e, n: int, threads: int) -> None:
    """Draw every random number the run draws, with the engine's generator, and nothing else."""
    from concurrent.futures import ThreadPoolExecutor

    def draw(b: int) -> None:
        lo, hi = b * e.block_size, min(n, (b + 1) * e.block_size)
        e.innovations(b, hi - lo)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(draw, range(e.n_blocks(n))))


def numpy_reference(e, n: int) -> None:
    from tests.reference.model_numpy import full_model

    full_model(e, e.innovations(0, n))


def subprocess_seconds(code: str, env: dict) -> tuple[float, int]:
    """Run ``code`` in a fresh interpreter; (its printed seconds, peak RSS in kB).

    The peak is VmHWM of /proc/self/status: ru_maxrss survives fork and exec on Linux, so a
    child would report the benchmark's own peak."""
    wrapper = ("import time;t0=time.perf_counter();" + code +
               ";print(time.perf_counter()-t0);"
               "print(next(l.split()[1] for l in open('/proc/self/status') "
               "if l.startswith('VmHWM')))")
    out = subprocess.run([sys.executable, "-c", wrapper], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    return float(out[-2]), int(out[-1])


def startup(cache_dir: str) -> float:
    """Seconds from a fresh interpreter to the first block of paths done (loading the config,
    importing the package and its kernels; the results Dataset comes after)."""
    code = ("from sim.config import load_config;from sim.engine import run;first=[];"
            "run(load_config(" + repr(str(CONFIG)) + "), 2000, 1, threads=1, "
            "progress=lambda n: first or first.append(time.perf_counter()-t0));"
            "print(first[0]);t0=time.perf_counter()")
    out = subprocess.run([sys.executable, "-c", "import time;t0=time.perf_counter();" + code],
                         env={**os.environ, "NUMBA_CACHE_DIR": cache_dir}, capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.split()
    return float(out[-1])


def peak_memory_kb(n: int, years: int, steps: int) -> int:
    code = ("from benchmarks.bench import config;from sim.engine import run;"
            f"run(config({years}, {steps}), {n}, 1, threads=2)")
    return subprocess_seconds(code, dict(os.environ))[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only-distributed", action="store_true",
                        help="only the dask overhead case (a local cluster against in process)")
    args = parser.parse_args(argv)
    from sim.engine import run

    cases = [] if args.only_distributed else SMOKE if args.smoke else CASES
    repeats = 1 if args.smoke else args.repeats
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}")
    print(f"Medians of {repeats} runs; throughput in million path-steps per second.\n")
    if args.only_distributed:
        distributed_overhead(1_000_000, 3)
        print_targets()
        return
    from sim.engine import Engine

    for name, n, years, steps, n_ref in cases:
        cfg = config(years, steps)
        path_steps = n * years * 12 * steps
        run(cfg, min(n, 2000), 1, threads=1)                         # compile / load the cache
        # The engine is built once, outside every timing: its set-up (the funds' return centre,
        # fitted on a pilot sample) costs the same for any number of paths, and scaled by paths
        # with the NumPy reference's it would swamp both that and the RNG limit.
        t = time.perf_counter()
        e = Engine(cfg, 1)
        t_setup = time.perf_counter() - t
        t2 = median_time(lambda cfg=cfg, n=n, e=e: run(cfg, n, 1, threads=2, engine=e), repeats)
        t1 = median_time(lambda cfg=cfg, n=n, e=e: run(cfg, n, 1, threads=1, engine=e), repeats)
        t_rng = median_time(lambda n=n, e=e: rng_only(e, n, threads=2), repeats)
        t_ref = median_time(lambda n_ref=n_ref, e=e: numpy_reference(e, n_ref),
                            max(1, min(repeats, 3)))
        ref_rate = n_ref * years * 12 * steps / t_ref
        print(f"== {name}")
        print(f"  engine set-up          {t_setup:8.2f} s   (once per run, any number of paths: "
              "the funds' return centre on a pilot; not in the times below)")
        print(f"  engine, 2 threads      {t2:8.2f} s   {path_steps / t2 / 1e6:9.1f} M/s")
        print(f"  engine, 1 thread       {t1:8.2f} s   {path_steps / t1 / 1e6:9.1f} M/s")
        print(f"  RNG limit, 2 threads   {t_rng:8.2f} s   (drawing the same random numbers)")
        print(f"  NumPy reference        {path_steps / ref_rate:8.2f} s   {ref_rate / 1e6:9.1f} M/s"
              f"   (measured on {n_ref} paths, scaled)")
        daily = steps > 1
        rng_goal = 2.0 if daily else 2.5
        print(f"  engine / NumPy         {path_steps / t2 / ref_rate:8.1f} x      (target >= 15; "
              f"1 thread: {path_steps / t1 / ref_rate:.1f} x)")
        print(f"  engine / RNG limit     {t2 / t_rng:8.2f}        (target <= {rng_goal:g})")
        target(f"engine / NumPy, {name}", f"{path_steps / t2 / ref_rate:.1f} x", ">= 15 x",
               path_steps / t2 / ref_rate >= 15)
        target(f"engine / RNG limit, {name}", f"{t2 / t_rng:.2f}", f"<= {rng_goal:g}",
               t2 / t_rng <= rng_goal)
        if steps == 1:
            from benchmarks import minimal
            minimal.run(2000, years * 12)                              # compile / load
            t_min = median_time(lambda n=n, years=years: minimal.run(n, years * 12, threads=2),
                                repeats)
            print(f"  minimal model          {t_min:8.2f} s   {path_steps / t_min / 1e6:9.1f} M/s"
                  "   (benchmarks/minimal.py: 5 factors, one fund with the floor rule)")
            print(f"  engine / minimal       {t2 / t_min:8.2f} x      (target <= 2.5 at "
                  "1 000 000 paths)")
            print(f"  work per path          {draws(e.esg, years)}; the minimal model "
                  f"{years * 12} months of {len(minimal.MEAN)} normals")
            if n == 1_000_000:
                target(f"engine / minimal model, {name}", f"{t2 / t_min:.2f} x", "<= 2.5 x",
                       t2 / t_min <= 2.5)
        if (n, years, steps) == (1_000_000, 6, 1):
            target("1 000 000 x 72 months, 2 threads", f"{t2:.2f} s", "<= 1.5 s", t2 <= 1.5)
        print(f"  threads 1 -> 2         {t1 / t2:8.2f} x      (target >= 1.8)")
        if not args.smoke:
            print(f"  peak memory            {peak_memory_kb(n, years, steps) / 1024:8.0f} MiB"
                  "   (target <= 1024 MiB for 1 000 000 paths)")
        print()
    if not args.smoke:
        with tempfile.TemporaryDirectory() as cache:
            cold = startup(cache)
            warm = statistics.median(startup(cache) for _ in range(3))
        print(f"JIT: cold start to the first path {cold:.1f} s (compiling every kernel); with "
              f"the cache warm {warm:.2f} s (target <= 0.5 s; includes importing numpy, xarray, "
              "numba)")
    t_big = None
    if not args.smoke:
        cfg = config(30, 1)
        e = Engine(cfg, 1)
        run(cfg, 2000, 1, engine=e)
        t_big = median_time(lambda: run(cfg, 1_000_000, 1, threads=2, engine=e), 3)
        print(f"1 000 000 x 360 months: {t_big:.1f} s (target <= 5 s)\n")
        target("1 000 000 x 360 months, 2 threads", f"{t_big:.1f} s", "<= 5 s", t_big <= 5)
    end_to_end(args.smoke)
    whatif_latency(3 if args.smoke else 20)
    frontier(2_000 if args.smoke else 20_000, 4 if args.smoke else 50)
    precision_per_second(4_000 if args.smoke else 200_000)
    distributed_overhead(2_000 if args.smoke else 1_000_000, 1 if args.smoke else 3)
    print_targets()


def whatif_latency(n: int) -> None:
    """``sim serve``: from a control's change to the updated numbers, at the default path
    count, through a real server on a free local port (the request the page makes, its answer
    rendered): ``n`` changes of the world (a scenario on the kept engine) and ``n`` of the
    pension rule (each a new engine, its centring pilot included), medians; and the largest
    standard error of P(deficit) reached."""
    import re
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "serve", str(CONFIG), "--port",
                             "0", "--no-browser"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise RuntimeError("sim serve did not start")
            found = re.search(r"(http://\S+)", line)
            url = found.group(1) if found else None

        def ask(query: str) -> tuple[float, str]:
            t = time.perf_counter()
            with urllib.request.urlopen(url + "svar?" + query, timeout=120) as r:
                body = r.read().decode()
            return time.perf_counter() - t, body

        world = [ask(f"drugs={0.1 * (k + 1):.1f}") for k in range(n)]
        rule = [ask(f"max_equity={0.3 + 0.02 * k:.2f}") for k in range(n)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    se = max(float(v) for _, b in world for v in re.findall(r'data-se=\\"([0-9.e-]+)', b))
    t_world = statistics.median(t for t, _ in world)
    t_rule = statistics.median(t for t, _ in rule)
    print(f"== sim serve: a control's change to the updated numbers (median of {n})")
    print(f"  the world (drug costs)     {t_world:6.2f} s")
    print(f"  the pension rule (a new engine with its pilot) {t_rule:6.2f} s")
    print(f"  largest standard error of P(deficit) reached: {100 * se:.1f} points\n")
    target("sim serve, a change of the world", f"{t_world:.2f} s", "< 1 s", t_world < 1)
    target("sim serve, a change of the pension rule", f"{t_rule:.2f} s", "< 1 s", t_rule < 1)


def frontier(n: int, n_rules: int) -> None:
    """``sim strategy``'s sweep: ``n_rules`` rules of the pension portfolio x ``n`` paths over
    the plan horizon (no long horizon), against the same number of plain runs of the default
    plan measured here (the sweep's own overhead: an Engine per rule, its pilot and the rules'
    validation). Target: within minutes (<= 5 min) on the 2-core machine."""
    from sim.config import load_config
    from sim.engine import run
    from sim.strategy import Sweep
    from sim.workflows import strategy_frontier

    caps = np.linspace(0.5, 1.0, max(n_rules // 5, 1)).round(3).tolist()
    zs = np.linspace(2.0, 4.0, 5).round(2).tolist()
    sweep = Sweep.model_validate({"source": "benchmark", "fund": "pension", "paths": n,
                                  "grid": {"max_equity": caps, "stress_z": zs}})
    cfg = load_config(CONFIG)
    run(cfg, 2000, 1)
    t_plain = median_time(lambda: run(cfg, n, 1, threads=2), 3)
    t0 = time.perf_counter()
    ds = strategy_frontier(CONFIG, (), Path("benchmark"), sweep, n, 1, threads=2)
    t_sweep = time.perf_counter() - t0
    k = ds.sizes["rule"]
    print(f"== sim strategy: {k} rules x " + f"{n:,}".replace(",", " ") + " paths x the plan")
    print(f"  the sweep              {t_sweep:8.1f} s   ({t_sweep / k:.2f} s a rule)")
    print(f"  {k} plain runs          {k * t_plain:8.1f} s   (one: {t_plain:.2f} s)")
    print(f"  sweep / plain runs     {t_sweep / (k * t_plain):8.2f} x   (target <= 5 min for "
          "the sweep)\n")
    target(f"sim strategy, {k} rules x {n} paths", f"{t_sweep:.0f} s", "<= 300 s",
           t_sweep <= 300)


def precision_per_second(n: int, target_se: float = 0.001) -> None:
    """Time to every plan year's P(deficit) and P(below the goal) within ``target_se``, plain
    and with antithetic pairs, on the default plan: the variance per path from a run of ``n``
    paths each way (binomial plain; the spread between pairs), the paths it implies, and the
    time at the throughput measured in the same script (median of three runs)."""
    import time

    from sim.config import load_config
    from sim.engine import run

    rows = {}
    for anti in (False, True):
        cfg = load_config(ROOT / "configs/plans/strategisk-plan-2023-2025.toml",
                          [f"simulation.antithetic={'true' if anti else 'false'}"])
        run(cfg, 2000, 1)
        t0 = time.perf_counter()
        ds = run(cfg, n, 1, threads=2)
        seconds = time.perf_counter() - t0
        seconds = statistics.median([seconds] + [median_time(lambda cfg=cfg: run(
            cfg, n, 1, threads=2), 1) for _ in range(2)])
        var = max(float((ds[f"p_{k}_se"].values ** 2).max()) * n
                  for k in ("deficit", "below_goal"))
        paths = var / target_se ** 2
        rows[anti] = (var, paths, paths * seconds / n)
    print(f"== precision: every year's P(deficit) and P(below the goal) to "
          f"+-{100 * target_se:g} point (default plan; " + f"{n:,}".replace(",", " ")
          + " paths each way)")
    for anti, label in ((False, "plain"), (True, "antithetic pairs")):
        var, paths, secs = rows[anti]
        print(f"  {label:<18} variance per path {var:6.3f}   {paths:10,.0f} paths   "
              f"{secs:6.1f} s".replace(",", " "))
    print(f"  time ratio plain / pairs {rows[False][2] / rows[True][2]:6.2f} x   "
          "(the variance reduction at the same cost per path)\n")
    target("time to +-0.1 point, pairs against plain", f"{rows[True][2]:.1f} s",
           f"< {rows[False][2]:.1f} s", rows[True][2] < rows[False][2])


def distributed_overhead(n: int, repeats: int) -> None:
    """A local dask cluster (one worker process per core, one thread each) against the
    in-process run on the same cores, 72 months, summary mode (target: within 15 %)."""
    from distributed import Client

    from sim.distributed import local_cluster, run_distributed
    from sim.engine import run

    cfg = config(6, 1)
    cores = os.cpu_count() or 1
    run(cfg, 2000, 1)
    t_local = median_time(lambda: run(cfg, n, 1, threads=cores), repeats)
    with local_cluster(cores, threads_per_worker=1) as cluster, Client(cluster) as client:
        run_distributed(cfg, 2000, 1, client)                       # load the workers' cache
        t_dask = median_time(lambda: run_distributed(cfg, n, 1, client), repeats)
    print(f"== dask: {n:,} x 72 months".replace(",", " "))
    print(f"  in process, {cores} threads   {t_local:8.2f} s")
    print(f"  local cluster, {cores} workers {t_dask:8.2f} s   overhead "
          f"{100 * (t_dask / t_local - 1):+.0f} % (target <= +15 %)")
    target("dask overhead, 2 workers against 2 threads", f"{100 * (t_dask / t_local - 1):+.0f} %",
           "<= +15 %", t_dask / t_local - 1 <= 0.15)


if __name__ == "__main__":
    main()
