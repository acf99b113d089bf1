"""Growth (issue 24) for full-size districts, on its own: every school, grade and group, both subjects.

``bench.py`` measures the same as part of its full run (``measure_growth``); this runs only that
step, on the same cached exports (``benchmarks/data/scale-<scale>/``, generated when missing or made
by another generator) and harmonised tables (harmonised again when the exports are newer), and
prints the seconds of each district against the target of 5 s.

    python benchmarks/bench_growth.py [--scale 1.0] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import DISTRICTS, PROJECT, TARGETS, district_size, ensure_exports, measure_growth, verdict


def harmonised_folder(folder: Path) -> Path:
    """The exports' harmonised tables, harmonised again where missing or older than the exports."""
    from flp_inquiry.ingest.harmonise import harmonise_district

    harmonised = folder / "harmonised"
    made = (folder / ".complete").stat().st_mtime
    for district in DISTRICTS:
        manifest = harmonised / district / "manifest.json"
        if not manifest.is_file() or manifest.stat().st_mtime < made:
            print(f"  harmonising {district}", file=sys.stderr)
            harmonise_district(district, folder / "exports" / district, harmonised)
    return harmonised


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full-size districts")
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=PROJECT / "benchmarks" / "data",
                        help="where generated exports are kept between runs")
    args = parser.parse_args(argv)
    harmonised = harmonised_folder(ensure_exports(args.data.absolute(), args.scale, args.seed))
    results = {}
    print(f"growth at scale {args.scale:g}: both subjects' lines, then every school, school x grade, school x group "
          f"and district group, by year (median of {args.repeats})")
    for district in DISTRICTS:
        size = district_size(district, harmonised)
        measured = measure_growth(district, harmonised, repeats=args.repeats)
        results[district] = {**size, **measured}
        print(f"  {district:<11} {size['students_per_year']:>7,} students a year, {size['schools']} schools: "
              f"{measured['seconds']:.2f} s (runs {', '.join(f'{s:.2f}' for s in measured['runs'])}; "
              f"CPU {measured['cpu_seconds']:.2f} s), "
              f"{measured['growth_scores']:,} growth scores, {measured['tables']} tables of "
              f"{measured['table_rows']:,} rows   target < {TARGETS['growth_seconds']:.0f} s: "
              f"{verdict(measured['seconds'] < TARGETS['growth_seconds'])}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
