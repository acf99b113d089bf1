"""The coach's root-cause explorer at district size: its start, and 20 dropdown changes replayed (issue 25).

It runs in a fresh interpreter on the same cached full-size exports (``benchmarks/data/scale-<scale>/``)
as ``bench.py``.  The start is the explorer's cell (load the district, analyse the notebook's
pattern, draw the controls and every section); each change sets one control as a coach does and
waits for the redraw, with IPython's display formatters turning every chart and table into what
JupyterLab receives.  Printed: the start, and the median and 95th percentile of the changes (wall
clock and CPU), against the issue's targets (start under 1.5 s, p95 under 0.3 s), and each change.

    python benchmarks/bench_explorer.py [--scale 1.0] [--compare-with ../an-earlier-checkout]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import PROJECT, YEAR, ensure_exports, verdict
from bench_growth import harmonised_folder

TARGETS = {"start_seconds": 1.5, "p95_seconds": 0.3}
#: The notebook's own parameters (notebooks/root_cause_explorer.ipynb).
START = {"metric": "dfs", "subject": "math", "group_type": "el_status", "group": "EL", "grade": "7"}


def replay_changes(schools: list[str]) -> list[tuple[str, str]]:
    """Twenty changes a coach makes: groups, subjects, measures, grades, and school after school (some again).

    A change to the value a control already has (a school's grade was refitted, say) takes the control's
    next choice instead (:func:`changed_value`), so every one of the twenty redraws.
    """
    first, second, third, fourth = schools[:4]
    return [("group", "EO"), ("subject", "ela"), ("school", first), ("group", "EL"), ("grade", "all"),
            ("school", second), ("metric", "percent_met"), ("subject", "math"), ("school", "all"),
            ("group_type", "sed"), ("group", "True"), ("school", third), ("metric", "chronic_absence"),
            ("school", first), ("group_type", "el_status"), ("metric", "dfs"), ("school", fourth),
            ("grade", "8"), ("school", "all"), ("group", "EO")]


def changed_value(values: list[str], current: str, wanted: str) -> str:
    """``wanted`` if the control offers it and does not have it already, else the choice after ``current``.

    >>> changed_value(["all", "7", "8"], "7", "8"), changed_value(["all", "7", "8"], "8", "8"), changed_value(["all"], "all", "9")
    ('8', 'all', 'all')
    """
    if wanted in values and wanted != current:
        return wanted
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank).

    >>> percentile([0.1, 0.2, 0.3, 0.4], 0.5), percentile([0.1 * i for i in range(1, 21)], 0.95)
    (0.2, 1.9000000000000001)
    """
    ordered = sorted(values)
    return ordered[max(0, -(-int(round(share * 100)) * len(ordered) // 100) - 1)]


def run_explorer(harmonised: str) -> dict:
    """In this interpreter: the explorer's start and the replayed changes, each in seconds (wall and CPU)."""
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()  # display() formats every chart and table, as in a kernel
    import altair  # noqa: F401  (imported by the notebook's first cell, before the explorer's)

    from flp_inquiry.inquiry import RootCauseExplorer

    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        explorer = RootCauseExplorer.start("fresno", YEAR, "all", harmonised, **START)
        explorer.intro(live=True)
        for section in ("shows", "surprising", "hypotheses", "questions"):
            explorer.show(section)
    start = {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}
    schools = [value for _, value in explorer.controls["school"].options][1:]
    changes = []
    for control, wanted in replay_changes(schools):
        value = changed_value([value for _, value in explorer.controls[control].options],
                              explorer.controls[control].value, wanted)
        started, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            explorer.controls[control].value = value
        changes.append({"control": control, "value": value, "seconds": time.perf_counter() - started,
                        "cpu_seconds": time.process_time() - cpu, "renders": explorer.renders})
    return {"start": start, "changes": changes}


def summary(measured: dict) -> dict:
    seconds = [change["seconds"] for change in measured["changes"]]
    cpu = [change["cpu_seconds"] for change in measured["changes"]]
    return {"start": measured["start"]["seconds"], "start_cpu": measured["start"]["cpu_seconds"],
            "p50": statistics.median(seconds), "p95": percentile(seconds, 0.95),
            "cpu_p50": statistics.median(cpu), "cpu_p95": percentile(cpu, 0.95)}


def measure(harmonised: Path, package_from: Path | None = None) -> dict:
    """The explorer measured in a fresh interpreter, with the package of ``package_from`` if given."""
    env = dict(os.environ, **({"PYTHONPATH": str(package_from)} if package_from else {}))
    child = subprocess.run([sys.executable, __file__, "--harmonised", str(harmonised)],
                           capture_output=True, text=True, check=True, cwd=PROJECT, env=env)
    return json.loads(child.stdout.strip().splitlines()[-1])


def compare(harmonised: Path, other: Path) -> int:
    """This checkout's explorer and ``other``'s, in turn (other, this, other, this): each figure's mean and ratio."""
    runs = {"this": [], "other": []}
    for design in ("other", "this", "other", "this"):
        runs[design].append(summary(measure(harmonised, other if design == "other" else None)))
    print(f"  {'':<18}{'this':>8}{'other':>8}{'other/this':>12}   (other: {other})")
    for label, key in (("start s", "start"), ("start CPU s", "start_cpu"), ("change p50 s", "p50"),
                       ("change p95 s", "p95"), ("change CPU p50 s", "cpu_p50"), ("change CPU p95 s", "cpu_p95")):
        mine, theirs = (statistics.mean(run[key] for run in runs[design]) for design in ("this", "other"))
        print(f"  {label:<18}{mine:>8.2f}{theirs:>8.2f}{theirs / mine:>11.1f}x")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full-size districts")
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--data", type=Path, default=PROJECT / "benchmarks" / "data",
                        help="where generated exports are kept between runs")
    parser.add_argument("--compare-with", type=Path, default=None,
                        help="another checkout of the project (an earlier commit): its explorer is measured in turn "
                             "with this one's, twice each, and the ratios printed")
    parser.add_argument("--harmonised", help=argparse.SUPPRESS)  # (the fresh interpreter's part)
    args = parser.parse_args(argv)
    if args.harmonised:
        print(json.dumps(run_explorer(args.harmonised)))
        return 0
    harmonised = harmonised_folder(ensure_exports(args.data.absolute(), args.scale, args.seed))
    print(f"root-cause explorer at scale {args.scale:g} (Fresno, the notebook's pattern, then 20 changes)")
    if args.compare_with:
        return compare(harmonised, args.compare_with.absolute())
    measured = measure(harmonised)
    figures = summary(measured)
    print(f"  start        {figures['start']:6.2f} s (CPU {figures['start_cpu']:.2f} s)   "
          f"target < {TARGETS['start_seconds']} s: {verdict(figures['start'] < TARGETS['start_seconds'])}")
    print(f"  change p50   {figures['p50']:6.2f} s (CPU {figures['cpu_p50']:.2f} s)")
    print(f"  change p95   {figures['p95']:6.2f} s (CPU {figures['cpu_p95']:.2f} s)   "
          f"target < {TARGETS['p95_seconds']} s: {verdict(figures['p95'] < TARGETS['p95_seconds'])}")
    print("  each change (s, CPU s):")
    for change in measured["changes"]:
        print(f"    {change['control']:<11}{change['value'][:34]:<36}{change['seconds']:>6.2f}{change['cpu_seconds']:>7.2f}")
    out = PROJECT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "explorer.json").write_text(json.dumps({"scale": args.scale, **measured, "summary": figures}, indent=1),
                                       "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
