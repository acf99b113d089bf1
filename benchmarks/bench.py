"""District-scale benchmarks: harmonise, reload, metrics, notebooks and a per-school pack, and how each grows.

For each size step (fractions of ``--scale``; 1.0 = full-size districts, about
70,000 and 65,000 students a year) this generates synthetic exports with the
package's generator (cached in ``--data``, regenerated when missing), then measures

- harmonising each district from its raw exports, in a fresh child process:
  seconds, peak memory, rows read per second;
- reloading the harmonised tables (every table, every column): seconds;
- each metric of the CLI (``flp-inquiry metrics``) grouped by school x group: seconds;
- growth (issue 24) from the loaded tables: both subjects' lines and residual gains, then the
  averages of every school, school x grade and school x each student group, and the same
  groupings district-wide, each by school year: seconds (target under 5 s a district);
- one notebook of each question, district-wide, against a bare kernel's start-up;
- a per-school pack (one question, every school of both districts) run by
  ``flp-inquiry run`` with the default workers, against the floor (kernel start-up
  x jobs / workers) and, at the largest step, against the previous design (each report
  working out its district's figures itself: ``FLP_INQUIRY_SHARED_WORK=0``) and the
  papermill + nbconvert shell loop timed on a sample of the same jobs and scaled to all of them;
- once, a CAASPP Student Score Data File of the state's (TOMS) of 500,000 records at
  scale 1.0 (a large district, every test: Smarter Balanced, CAA, CAST, CSA; the synthetic
  third district's 2024-25 layout, all 401 columns), harmonised with ``--mapping toms`` in a
  fresh process: seconds, peak memory, records per second.

It prints the figures of the largest step with their targets, then a growth table
over all steps, and writes everything to ``<out>/results.json``.  Each district's
aggregate extract is written once before the notebooks run, as the partnership
does before a meeting, so no notebook rebuilds its partner's figures.

    python benchmarks/bench.py [--scale 1.0] [--steps 1/8,1/4,1/2,1] [--question common_metrics]
    python benchmarks/bench.py --pack-only [--scale 1.0]     (the pack alone, both designs)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import yaml
from bench_pack import BIN, PROJECT, bare_kernel_seconds, shell_loop, timed

#: School year every measurement is for (the generator's latest).
YEAR = 2025
DISTRICTS = ("fresno", "long_beach")
KERNEL = "flp-inquiry"
#: The issue's targets on a 2-core machine.
TARGETS = {"harmonise_seconds": 20.0, "harmonise_peak_mib": 2048.0, "reload_seconds": 1.0,
           "metric_seconds": 1.0, "growth_seconds": 5.0, "pack_seconds_full_size": 360.0,
           "pack_seconds_shared_work": 120.0,
           "toms_seconds": 15.0, "toms_peak_mib": 2048.0}
#: What the generator's output depends on: a change to any of them makes cached exports stale.
GENERATOR_FILES = ("flp_inquiry/ingest/sample.py", "flp_inquiry/ingest/sample_students.py",
                   "flp_inquiry/ingest/sample_years.py", "flp_inquiry/ingest/sample_growth.py",
                   "flp_inquiry/data/sbac_thresholds.csv", "flp_inquiry/data/elpac_ranges.csv")
#: The groupings growth is averaged by, with ``school`` and without (each also by school year).
GROWTH_GROUPINGS = ("grade", "el_status", "ethnicity", "sed", "swd", "gender", "years_as_el")
#: Records of the state's CAASPP file at scale 1.0 (issue 23: a large district, all tests).
TOMS_RECORDS = 500_000


# --------------------------------------------------------------------------- data
def generator_fingerprint() -> str:
    """A hash of the generator's code and reference files: exports made by another generator are stale."""
    digest = hashlib.sha256()
    for name in GENERATOR_FILES:
        digest.update(name.encode() + b"\0" + (PROJECT / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_exports(data: Path, scale: float, seed: int) -> Path:
    """The synthetic exports of both districts at ``scale``, generated when missing or made by another generator."""
    from flp_inquiry.ingest.sample import write_sample

    folder = data / f"scale-{scale:g}"
    done = folder / ".complete"  # written last: a half-generated folder is generated again
    stamp = f"scale {scale:g}, seed {seed}, generator {generator_fingerprint()}\n"
    if not done.is_file() or done.read_text(encoding="utf-8") != stamp:
        done.unlink(missing_ok=True)
        write_sample(folder / "exports", scale=scale, seed=seed)
        done.write_text(stamp, encoding="utf-8")
    return folder


def ensure_toms_file(data: Path, records: int, seed: int) -> Path:
    """A folder with one synthetic CAASPP score file of exactly ``records`` records, generated only when missing."""
    from flp_inquiry.ingest.toms.sample import caaspp_file_name, toms_text, toms_year_records
    from flp_inquiry.ingest.toms.sample_district import simulate_district

    folder = data / f"toms-{records}"
    done = folder / ".complete"  # written last: a half-generated folder is generated again
    if not done.is_file():
        students = max(50, int(records / 1.15))  # about 1.17 CAASPP records a student a year
        while True:
            table = toms_year_records(simulate_district(students, (YEAR,), seed), YEAR)["caaspp"]
            if table.num_rows >= records:
                break
            students = int(students * records / max(table.num_rows, 1) * 1.02) + 10
        folder.mkdir(parents=True, exist_ok=True)
        (folder / caaspp_file_name(YEAR)).write_bytes(toms_text(table.slice(0, records)))
        done.write_text(f"{records} records, seed {seed}\n", encoding="utf-8")
    return folder


def measure_toms(folder: Path, harmonised: Path, repeats: int = 3) -> dict:
    """The state's CAASPP file harmonised with the built-in toms mapping, each time in a fresh interpreter.

    The median of ``repeats`` runs (the machine is shared: one run can meet another's load), with every run's
    seconds, CPU seconds and peak memory.
    """
    from flp_inquiry.ingest.store import read_manifest

    runs = []
    for _ in range(repeats):
        child = subprocess.run([sys.executable, str(Path(__file__).with_name("harmonise_child.py")), "toms_valley",
                                str(folder), str(harmonised), "toms"], capture_output=True, text=True, check=True)
        runs.append(json.loads(child.stdout))
    manifest = read_manifest("toms_valley", harmonised)
    records = sum(entry["rows"] for entry in manifest["sources"])
    seconds = statistics.median(run["seconds"] for run in runs)
    return {"seconds": seconds, "peak_mib": max(run["peak_mib"] for run in runs),
            "cpu_seconds": statistics.median(run["cpu_seconds"] for run in runs), "runs": runs,
            "records": records, "bytes": sum(path.stat().st_size for path in folder.glob("*.CSV")),
            "tables": manifest["tables"], "records_per_second": records / seconds}


def district_size(district: str, harmonised: Path) -> dict:
    """Students a year (primary enrollments, mean over years) and schools of a harmonised district."""
    from flp_inquiry.ingest.store import read_table

    enrollment = read_table(district, "enrollment", harmonised, columns=["school_year", "school_cds", "primary"])
    per_year = enrollment[enrollment["primary"].astype(bool)].groupby("school_year").size()
    return {"students_per_year": int(round(per_year.mean())), "schools": int(enrollment["school_cds"].nunique())}


# --------------------------------------------------------------------------- measurements
def measure_harmonise(district: str, source: Path, harmonised: Path) -> dict:
    """Harmonise in a fresh interpreter: its peak memory is harmonising's alone."""
    from flp_inquiry.ingest.store import read_manifest

    child = subprocess.run([sys.executable, str(Path(__file__).with_name("harmonise_child.py")), district,
                            str(source), str(harmonised)], capture_output=True, text=True, check=True)
    measured = json.loads(child.stdout)
    seconds = measured["seconds"]
    rows = sum(entry["rows"] for entry in read_manifest(district, harmonised)["sources"])
    return {"seconds": seconds, "peak_mib": measured["peak_mib"], "rows": rows, "rows_per_second": rows / seconds}


def median_seconds(function, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_reload(district: str, harmonised: Path) -> float:
    from flp_inquiry.ingest.store import load_district

    return median_seconds(lambda: load_district(district, harmonised))


def measure_metrics(district: str, harmonised: Path, by: list[str]) -> dict[str, float]:
    """Each metric as the CLI computes it: load what it needs, compute, suppress."""
    from flp_inquiry.measures.metrics import METRICS, metric_table

    seconds = {}
    for metric, spec in METRICS.items():
        subject = "math" if spec.needs_subject else None
        started = time.perf_counter()
        metric_table(metric, district, YEAR, subject=subject, by=by, data=harmonised)
        seconds[metric] = time.perf_counter() - started
    return seconds


def measure_growth(district: str, harmonised: Path, repeats: int = 3) -> dict:
    """Growth of every school, grade and group of a district, from its loaded tables (median of ``repeats``).

    A notebook has the tables already, so loading is not timed; each repeat gets fresh copies,
    so nothing worked out before (the primary enrollments, the growth rows) is remembered.
    """
    from flp_inquiry.ingest.store import load_district
    from flp_inquiry.measures.growth import average_growth, residual_gains

    loaded = load_district(district, harmonised, tables=["assessments", "enrollment"])
    runs, cpu = [], []
    for _ in range(repeats):
        assessments, enrollment = loaded.assessments.copy(), loaded.enrollment.copy()
        started, cpu_started = time.perf_counter(), time.process_time()
        tables, scores = [], 0
        for subject in ("ela", "math"):
            gains = residual_gains(assessments, enrollment, subject)
            scores += len(gains)
            tables.append(average_growth(gains, by=["school", "school_year"]))
            for grouping in GROWTH_GROUPINGS:
                tables.append(average_growth(gains, by=["school", grouping, "school_year"]))
                tables.append(average_growth(gains, by=[grouping, "school_year"]))
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)  # less disturbed than the clock on a shared machine
    return {"seconds": statistics.median(runs), "runs": runs, "cpu_seconds": statistics.median(cpu),
            "growth_scores": scores, "tables": len(tables), "table_rows": sum(len(table) for table in tables)}


def write_extracts(harmonised: Path) -> dict[str, float]:
    """Each district's aggregate extract, where notebooks look for the partner's figures."""
    from flp_inquiry.measures.extract import write_extract

    seconds = {}
    for district in DISTRICTS:
        started = time.perf_counter()
        write_extract(district, YEAR, data=harmonised, out=harmonised.parent / "extracts")
        seconds[district] = time.perf_counter() - started
    return seconds


#: Seconds a notebook may take before the benchmark stops with an error rather than wait.
NOTEBOOK_TIMEOUT = 900


def measure_notebooks(questions: list[Path], district: str, harmonised: Path, folder: Path) -> dict[str, float]:
    """One district-wide run of each question (kernel start-up included, as in a pack)."""
    import papermill

    from flp_inquiry.inquiry.questions import notebook_parameters
    from flp_inquiry.packs.pack import BATCH_PARAMETERS  # as a pack run sets them

    folder.mkdir(parents=True, exist_ok=True)
    seconds = {}
    for notebook in questions:
        parameters = {"district": district, "school_year": YEAR, "school": "all",
                      "data_dir": str(harmonised.absolute()), **BATCH_PARAMETERS}
        declared = notebook_parameters(notebook)
        started = time.perf_counter()
        papermill.execute_notebook(str(notebook), str(folder / notebook.name), kernel_name=KERNEL,
                                   parameters={name: value for name, value in parameters.items() if name in declared},
                                   progress_bar=False, cwd=str(PROJECT), execution_timeout=NOTEBOOK_TIMEOUT)
        seconds[notebook.stem] = time.perf_counter() - started
    return seconds


def pack_settings(question: str, harmonised: Path, output: Path, schools_per_district: int | None) -> dict:
    """One question for every school of both districts (or the first N of each, for a quick check)."""
    from flp_inquiry.ingest.store import list_schools

    if schools_per_district is None:
        schools = {district: [*list_schools(district, harmonised)["school_name"]] for district in DISTRICTS}
    else:
        schools = {district: [*list_schools(district, harmonised)["school_name"][:schools_per_district]]
                   for district in DISTRICTS}
    return {"title": "Benchmark: every school", "school_year": YEAR, "districts": list(DISTRICTS),
            "questions": [question], "schools": schools, "output": str(output), "notebooks": "notebooks",
            "data": str(harmonised.absolute()), "timeout": 1800, "kernel": KERNEL}


#: What turns off the district-wide work a run's kernel template does once for all its school reports
#: (flp_inquiry.packs.batch.SHARED_WORK_VARIABLE): the previous design, timed beside it.
SHARED_WORK_VARIABLE = "FLP_INQUIRY_SHARED_WORK"


def measure_pack(settings: dict, folder: Path, shared_work: bool = True) -> dict:
    """``flp-inquiry run`` with the default workers (one per core), every job forced to run.

    ``shared_work=False`` runs the previous design: every school report works out its district's
    figures itself (no work done once in the kernel template, ``flp_inquiry.inquiry.shared_work``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    pack_file = folder / ("pack.yaml" if shared_work else "pack-previous.yaml")
    pack_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    environment = {**os.environ, SHARED_WORK_VARIABLE: "1" if shared_work else "0"}
    started = time.perf_counter()
    run = subprocess.run([str(BIN / "flp-inquiry"), "run", str(pack_file), "--force"], cwd=PROJECT,
                         capture_output=True, text=True, env=environment)
    seconds = time.perf_counter() - started
    state = json.loads((Path(settings["output"]) / "_state.json").read_text(encoding="utf-8"))["jobs"]
    jobs = sum(len(names) for names in settings["schools"].values())
    if run.returncode != 0:
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n", file=sys.stderr)
    return {"jobs": jobs, "ok": len(state), "failed": jobs - len(state), "seconds": seconds,
            "seconds_per_job": seconds / jobs}


def measure_loop(settings: dict, sample_jobs: int, folder: Path) -> dict:
    """The papermill + nbconvert shell loop on an even sample of the pack's jobs, scaled to all of them."""
    from flp_inquiry.packs.pack import expand_pack, load_pack

    jobs = expand_pack(load_pack(settings))
    every = max(1, len(jobs) // sample_jobs)
    sample = jobs[::every][:sample_jobs]
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "loop.sh"
    script.write_text(shell_loop(sample, KERNEL, folder), encoding="utf-8")
    seconds = timed(["bash", str(script)])
    return {"sampled_jobs": len(sample), "sample_seconds": seconds, "jobs": len(jobs),
            "scaled_seconds": seconds / len(sample) * len(jobs)}


# --------------------------------------------------------------------------- one size step
def measure_packs(args, harmonised: Path, work: Path, scale: float, with_previous: bool) -> dict:
    """The per-school pack; with ``with_previous`` the previous design too, in the same run (``pack_previous``)."""
    settings = pack_settings(args.question, harmonised, work / "pack", args.pack_schools)
    jobs = sum(map(len, settings["schools"].values()))
    print(f"  scale {scale:g}: pack of {jobs} jobs", file=sys.stderr)
    figures = {"pack": measure_pack(settings, work)}
    if with_previous:
        print(f"  scale {scale:g}: pack of {jobs} jobs, previous design (no shared work)", file=sys.stderr)
        previous = {**settings, "output": str(work / "pack-previous")}
        figures["pack_previous"] = measure_pack(previous, work, shared_work=False)
    return figures


def pack_only(args) -> int:
    """``--pack-only``: the per-school pack in both designs at ``--scale`` (harmonised first if need be)."""
    scale = args.scale
    folder = ensure_exports(args.data, scale, args.seed)
    harmonised = folder / "harmonised"
    for district in DISTRICTS:
        if not (harmonised / district / "manifest.json").is_file():
            print(f"  scale {scale:g}: harmonising {district}", file=sys.stderr)
            measure_harmonise(district, folder / "exports" / district, harmonised)
    if not all((harmonised.parent / "extracts" / f"{d}_{YEAR}.csv").is_file() for d in DISTRICTS):
        write_extracts(harmonised)
    results = {"machine": machine(), "question": args.question, "scale": scale,
               "command": "python benchmarks/bench.py " + " ".join(sys.argv[1:]),
               **measure_packs(args, harmonised, args.out / f"scale-{scale:g}", scale, with_previous=True)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results-pack.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\n".join(pack_lines(results["pack"], results["pack_previous"])))
    print(f"\nfigures written to {args.out / 'results-pack.json'}")
    return 0


def pack_lines(pack: dict, previous: dict | None) -> list[str]:
    """The pack's time, and beside it the previous design's as a ratio."""
    lines = [f"  flp-inquiry run            {pack['seconds']:7.1f} s  ({pack['seconds_per_job']:.2f} s a job; "
             f"{pack['ok']} ok, {pack['failed']} failed; district-wide work done once per district)"]
    if previous is not None:
        lines.append(f"  previous design            {previous['seconds']:7.1f} s  ({previous['seconds_per_job']:.2f} s a job; "
                     f"{previous['ok']} ok, {previous['failed']} failed; each report works it out)   "
                     f"now {previous['seconds'] / pack['seconds']:.2f}x faster (ratio previous / now)")
    return lines


def measure_step(args, scale: float, questions: list[Path], with_loop: bool) -> dict:
    folder = ensure_exports(args.data, scale, args.seed)
    harmonised = folder / "harmonised"
    work = args.out / f"scale-{scale:g}"
    step: dict = {"scale": scale, "harmonise": {}, "reload_seconds": {}, "metric_seconds": {}, "student_growth": {},
                  "size": {}}
    for district in DISTRICTS:
        print(f"  scale {scale:g}: harmonising {district}", file=sys.stderr)
        step["harmonise"][district] = measure_harmonise(district, folder / "exports" / district, harmonised)
        step["size"][district] = district_size(district, harmonised)
        step["reload_seconds"][district] = measure_reload(district, harmonised)
        print(f"  scale {scale:g}: metrics of {district}", file=sys.stderr)
        step["metric_seconds"][district] = measure_metrics(district, harmonised, args.by)
        print(f"  scale {scale:g}: growth of {district}", file=sys.stderr)
        step["student_growth"][district] = measure_growth(district, harmonised)
    step["extract_seconds"] = write_extracts(harmonised)
    print(f"  scale {scale:g}: notebooks", file=sys.stderr)
    step["notebook_seconds"] = measure_notebooks(questions, args.notebook_district, harmonised, work / "notebooks")
    step.update(measure_packs(args, harmonised, work, scale, with_previous=with_loop))
    settings = pack_settings(args.question, harmonised, work / "pack", args.pack_schools)
    if with_loop:
        print(f"  scale {scale:g}: papermill + nbconvert loop on {args.loop_jobs} jobs", file=sys.stderr)
        step["loop"] = measure_loop(settings, args.loop_jobs, work / "loop")
    return step


# --------------------------------------------------------------------------- report
def growth_exponent(sizes: list[float], values: list[float]) -> float | None:
    """b in value ~ size^b between the smallest and largest step: 1 is linear, under 1 better."""
    if len(sizes) < 2 or sizes[0] == sizes[-1] or min(values[0], values[-1]) <= 0:
        return None
    return math.log(values[-1] / values[0]) / math.log(sizes[-1] / sizes[0])


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def growth_rows(steps: list[dict]) -> list[tuple[str, list[float]]]:
    """The figures followed across steps, by label."""
    def both(step, get):
        return [get(step, district) for district in DISTRICTS]
    return [
        ("students a year (both)", [sum(s["size"][d]["students_per_year"] for d in DISTRICTS) for s in steps]),
        *[(f"harmonise {d} s", [s["harmonise"][d]["seconds"] for s in steps]) for d in DISTRICTS],
        *[(f"harmonise {d} peak MiB", [s["harmonise"][d]["peak_mib"] for s in steps]) for d in DISTRICTS],
        ("reload both s", [sum(both(s, lambda s, d: s["reload_seconds"][d])) for s in steps]),
        ("all metrics both s", [sum(both(s, lambda s, d: sum(s["metric_seconds"][d].values()))) for s in steps]),
        ("student growth both s", [sum(both(s, lambda s, d: s["student_growth"][d]["seconds"])) for s in steps]),
        ("extracts both s", [sum(s["extract_seconds"].values()) for s in steps]),
        ("notebooks s", [sum(s["notebook_seconds"].values()) for s in steps]),
        ("pack jobs", [s["pack"]["jobs"] for s in steps]),
        ("pack s", [s["pack"]["seconds"] for s in steps]),
        ("pack s per job", [s["pack"]["seconds_per_job"] for s in steps]),
    ]


def report(results: dict) -> str:
    steps, top = results["steps"], results["steps"][-1]
    floor = results["kernel_start_seconds"]
    workers = results["machine"]["cores"]
    lines = [f"machine: {results['machine']['cores']} cores, {results['machine']['memory_gib']:.0f} GiB, "
             f"Python {results['machine']['python']}; largest step: scale {top['scale']:g}"]
    for district in DISTRICTS:
        size = top["size"][district]
        lines.append(f"  {district}: {size['students_per_year']:,} students a year, {size['schools']} schools")

    lines.append("\nharmonise from raw exports (fresh process each)")
    for district, h in top["harmonise"].items():
        lines.append(f"  {district:<11} {h['seconds']:6.1f} s  peak {h['peak_mib']:6.0f} MiB  "
                     f"{h['rows']:>9,} rows  {h['rows_per_second']:>9,.0f} rows/s   "
                     f"target < {TARGETS['harmonise_seconds']:.0f} s and < 2 GiB: "
                     f"{verdict(h['seconds'] < TARGETS['harmonise_seconds'] and h['peak_mib'] < TARGETS['harmonise_peak_mib'])}")

    lines.append("\nreload the harmonised tables (all tables and columns, median of 3)")
    for district, seconds in top["reload_seconds"].items():
        lines.append(f"  {district:<11} {seconds:6.2f} s   {top['harmonise'][district]['seconds'] / seconds:5.0f}x faster "
                     f"than harmonising again   target < 1 s: {verdict(seconds < TARGETS['reload_seconds'])}")

    lines.append(f"\nmetrics as the CLI computes them, by {','.join(results['by'])} (seconds; target < 1 s each)")
    lines.append(f"  {'metric':<17}" + "".join(f"{d:>12}" for d in DISTRICTS))
    for metric in top["metric_seconds"][DISTRICTS[0]]:
        values = [top["metric_seconds"][d][metric] for d in DISTRICTS]
        lines.append(f"  {metric:<17}" + "".join(f"{v:12.2f}" for v in values)
                     + f"   {verdict(max(values) < TARGETS['metric_seconds'])}")

    lines.append("\ngrowth: both subjects' lines, then every school, school x grade, school x group and district "
                 "group, by year (median of 3)")
    for district, g in top["student_growth"].items():
        lines.append(f"  {district:<11} {g['seconds']:6.2f} s  {g['growth_scores']:>9,} growth scores  "
                     f"{g['tables']} tables of {g['table_rows']:,} rows   "
                     f"target < {TARGETS['growth_seconds']:.0f} s: {verdict(g['seconds'] < TARGETS['growth_seconds'])}")

    lines.append("\naggregate extracts, written once per district before the notebooks (seconds)")
    lines.append("  " + "   ".join(f"{d} {s:.1f}" for d, s in top["extract_seconds"].items()))

    lines.append(f"\none notebook of each question, {results['notebook_district']} district-wide, "
                 f"against a bare kernel's start-up ({floor:.2f} s)")
    for question, seconds in top["notebook_seconds"].items():
        lines.append(f"  {question:<20} {seconds:6.1f} s   {seconds / floor:5.1f}x the bare kernel")

    toms = results["toms"]
    lines.append(f"\nstate score files (TOMS): a CAASPP file of {toms['records']:,} records ({toms['bytes'] / 2**20:,.0f} MiB, "
                 "every test), harmonised with --mapping toms (fresh process)")
    lines.append(f"  toms_valley {toms['seconds']:6.1f} s (median of {len(toms['runs'])}: "
                 + ", ".join(f"{run['seconds']:.1f}" for run in toms["runs"])
                 + f"; CPU {toms['cpu_seconds']:.1f} s)  peak {toms['peak_mib']:6.0f} MiB  "
                 f"{toms['records_per_second']:>9,.0f} records/s  (assessments {toms['tables']['assessments']:,}, "
                 f"other tests {toms['tables'].get('other_tests', 0):,}, enrollment {toms['tables']['enrollment']:,})   "
                 f"target < {TARGETS['toms_seconds']:.0f} s and < 2 GiB: "
                 f"{verdict(toms['seconds'] < TARGETS['toms_seconds'] and toms['peak_mib'] < TARGETS['toms_peak_mib'])}")

    pack, loop = top["pack"], top["loop"]
    pack_floor = floor * pack["jobs"] / workers
    lines.append(f"\nper-school pack: {results['question']} for {pack['jobs']} schools of both districts, "
                 f"flp-inquiry run with the default {workers} workers")
    lines.extend(pack_lines(pack, top.get("pack_previous")))
    lines.append(f"  papermill + nbconvert loop {loop['scaled_seconds']:7.1f} s  (timed on {loop['sampled_jobs']} of "
                 f"the {loop['jobs']} jobs: {loop['sample_seconds']:.1f} s, scaled to all)   "
                 f"run is {loop['scaled_seconds'] / pack['seconds']:.1f}x faster")
    lines.append(f"  floor: kernel start x jobs / workers = {floor:.2f} x {pack['jobs']} / {workers} = "
                 f"{pack_floor:.1f} s   run is {pack['seconds'] / pack_floor:.1f}x the floor")
    if top["scale"] == 1.0:
        lines.append(f"  target < {TARGETS['pack_seconds_full_size']:.0f} s for both full districts: "
                     f"{verdict(pack['seconds'] < TARGETS['pack_seconds_full_size'])}; issue 25: "
                     f"<= {TARGETS['pack_seconds_shared_work']:.0f} s: "
                     f"{verdict(pack['seconds'] <= TARGETS['pack_seconds_shared_work'])}")

    lines.append("\ngrowth with the data (growth exponent b: figure ~ students^b; 1 = linear, under 1 = better)")
    lines.append(f"  {'scale':<29}" + "".join(f"{s['scale']:>10g}" for s in steps) + f"{'b':>8}")
    sizes = growth_rows(steps)[0][1]
    for label, values in growth_rows(steps):
        exponent = growth_exponent(sizes, values)
        shown = "" if label.startswith("students") or exponent is None else f"{exponent:8.2f}"
        lines.append(f"  {label:<29}" + "".join(f"{v:>10,.0f}" if v >= 100 or float(v).is_integer()
                                                 else f"{v:>10.2f}" for v in values) + shown)
    return "\n".join(lines)


def machine() -> dict:
    import psutil

    return {"cores": os.cpu_count(), "memory_gib": psutil.virtual_memory().total / 2**30,
            "python": platform.python_version(), "platform": platform.platform()}


def parse_steps(text: str) -> list[Fraction]:
    steps = sorted({Fraction(part.strip()) for part in text.split(",") if part.strip()})
    if not steps or steps[0] <= 0:
        raise argparse.ArgumentTypeError(f"steps must be positive fractions like 1/8,1/4,1/2,1, not {text!r}")
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="the largest step; 1.0 = full-size districts")
    parser.add_argument("--steps", type=parse_steps, default=parse_steps("1/8,1/4,1/2,1"),
                        help="fractions of --scale to measure, for the growth table")
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--question", default="common_metrics", help="the question of the per-school pack")
    parser.add_argument("--questions", default="", help="notebooks to time one by one (default: every question)")
    parser.add_argument("--notebook-district", default="fresno", choices=DISTRICTS)
    parser.add_argument("--by", default="school,el_status", help="the metrics' grouping")
    parser.add_argument("--pack-schools", type=int, default=None,
                        help="only the first N schools of each district in the pack (default: every school)")
    parser.add_argument("--loop-jobs", type=int, default=4, help="jobs the shell loop is timed on")
    parser.add_argument("--toms-records", type=int, default=None,
                        help=f"records of the state's CAASPP file (default {TOMS_RECORDS:,} x --scale)")
    parser.add_argument("--toms-repeats", type=int, default=3, help="runs of the state's file (the median is shown)")
    parser.add_argument("--data", type=Path, default=PROJECT / "benchmarks" / "data",
                        help="where generated exports are kept between runs")
    parser.add_argument("--out", type=Path, default=PROJECT / "build" / "bench")
    parser.add_argument("--pack-only", action="store_true",
                        help="only the per-school pack at --scale, beside the previous design (no shared work)")
    args = parser.parse_args(argv)
    args.by = [part.strip() for part in args.by.split(",") if part.strip()]
    args.data, args.out = args.data.absolute(), args.out.absolute()
    os.chdir(PROJECT)  # the pack's relative paths (notebooks/) and the kernels' folder
    if args.pack_only:
        return pack_only(args)

    names = [part.strip() for part in args.questions.split(",") if part.strip()]
    questions = [Path("notebooks") / f"{name}.ipynb" for name in names] if names else sorted(
        path for path in Path("notebooks").glob("*.ipynb") if not path.name.startswith("_"))
    results = {"machine": machine(), "by": args.by, "question": args.question,
               "notebook_district": args.notebook_district, "targets": TARGETS,
               "command": "python benchmarks/bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
               "kernel_start_seconds": bare_kernel_seconds(KERNEL), "steps": []}
    for index, fraction in enumerate(args.steps):
        scale = float(args.scale * fraction)
        results["steps"].append(measure_step(args, scale, questions, with_loop=index == len(args.steps) - 1))
    records = args.toms_records or max(100, round(TOMS_RECORDS * args.scale))
    print(f"  the state's CAASPP file: {records:,} records", file=sys.stderr)
    toms_folder = ensure_toms_file(args.data, records, args.seed)
    results["toms"] = measure_toms(toms_folder, args.out / "toms-harmonised", args.toms_repeats)
    sizes = growth_rows(results["steps"])[0][1]
    results["growth_exponents"] = {label: growth_exponent(sizes, values)
                                   for label, values in growth_rows(results["steps"])[1:]}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report(results))
    print(f"\nfigures written to {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
