"""``make bench`` works: run once at a tiny scale, and its growth table read on figures worked out by hand.

No figure is compared with a time limit here: the benchmarks print figures, the tests only
prove that every section is measured and written.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "benchmarks"))

import bench  # noqa: E402  (benchmarks/ is not a package)

TINY = "--scale 0.01 --steps 1 --questions common_metrics --pack-schools 1 --loop-jobs 1"
SECTIONS = ("harmonise from raw exports", "reload the harmonised tables", "metrics as the CLI computes them",
            "growth: both subjects' lines", "aggregate extracts", "one notebook of each question", "per-school pack",
            "papermill + nbconvert loop", "floor: kernel start", "growth with the data",
            "state score files (TOMS): a CAASPP file of 5,000 records")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> tuple[str, dict]:
    folder = tmp_path_factory.mktemp("bench")
    run = subprocess.run(
        ["make", "-C", str(PROJECT), "-o", ".venv/.ready", "bench", f"BIN={Path(sys.executable).parent}",
         f"BENCH_ARGS={TINY} --data {folder / 'data'} --out {folder / 'out'}"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout, json.loads((folder / "out" / "results.json").read_text(encoding="utf-8"))


def test_make_bench_prints_every_section(tiny_run):
    printed, _ = tiny_run
    for section in SECTIONS:
        assert section in printed


def test_make_bench_writes_positive_figures(tiny_run):
    _, results = tiny_run
    (step,) = results["steps"]
    assert results["kernel_start_seconds"] > 0
    for district in bench.DISTRICTS:
        harmonised = step["harmonise"][district]
        assert harmonised["seconds"] > 0 and harmonised["peak_mib"] > 0 and harmonised["rows"] > 0
        assert step["reload_seconds"][district] > 0
        assert step["size"][district]["students_per_year"] > 0
        assert set(step["metric_seconds"][district]) >= {"percent_met", "dfs", "grad_rate"}
        assert all(seconds > 0 for seconds in step["metric_seconds"][district].values())
        growth = step["student_growth"][district]
        assert growth["seconds"] > 0 and growth["growth_scores"] > 0 and growth["tables"] == 2 * (1 + 2 * 7)
    assert step["notebook_seconds"]["common_metrics"] > 0
    assert step["pack"]["jobs"] == 2 and step["pack"]["failed"] == 0  # one school of each district
    assert step["loop"]["sampled_jobs"] == 1 and step["loop"]["scaled_seconds"] > 0
    toms = results["toms"]  # 500,000 x 0.01 records of the state's CAASPP file
    assert toms["records"] == 5_000 and toms["seconds"] > 0 and toms["peak_mib"] > 0 and len(toms["runs"]) == 3
    assert toms["tables"]["assessments"] + toms["tables"]["other_tests"] == 5_000


@pytest.mark.parametrize("sizes, values, expected", [
    ([1000, 2000], [1.0, 2.0], 1.0),      # twice the students, twice the time: linear
    ([1000, 4000], [1.0, 2.0], 0.5),      # four times the students, twice the time
    ([1000, 2000], [1.0, 4.0], 2.0),      # quadratic
    ([1000], [1.0], None),                # one step: no growth to speak of
    ([1000, 2000], [0.0, 1.0], None),     # nothing measured at the small step
])
def test_growth_exponent(sizes, values, expected):
    assert bench.growth_exponent(sizes, values) == expected


def test_parse_steps_sorts_fractions_and_refuses_zero():
    assert bench.parse_steps("1, 1/4,1/2") == [bench.Fraction(1, 4), bench.Fraction(1, 2), 1]
    with pytest.raises(Exception, match="positive fractions"):
        bench.parse_steps("0,1")


def test_cached_exports_of_another_generator_are_made_again(tmp_path):
    """Exports cached in benchmarks/data/ are kept while the generator is the same, and made again when
    its code changed (say it now plants growth): their stamp names the generator's fingerprint."""
    folder = bench.ensure_exports(tmp_path, 0.005, 1)
    stamp = (folder / ".complete").read_text(encoding="utf-8")
    assert stamp == f"scale 0.005, seed 1, generator {bench.generator_fingerprint()}\n"
    sites = folder / "exports" / "long_beach" / "sites.csv"
    sites.write_text("stale\n", encoding="utf-8")
    bench.ensure_exports(tmp_path, 0.005, 1)
    assert sites.read_text(encoding="utf-8") == "stale\n"  # same generator: nothing made again
    (folder / ".complete").write_text("scale 0.005, seed 1\n", encoding="utf-8")  # made before the fingerprint
    bench.ensure_exports(tmp_path, 0.005, 1)
    assert sites.read_text(encoding="utf-8").startswith("site_id,")
    assert (folder / ".complete").read_text(encoding="utf-8") == stamp
