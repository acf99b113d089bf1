"""A pack run without the privacy audit and with it, side by side in one session (issue 22).

Three runs of the same pack file, each into a fresh output folder beside ``--output`` (the pack's
own output is never touched): without the audit (``run_pack(audit=False)``), with it the first time
(the audit finds what to hide and the reports showing it are made again), and with it again with
``force`` on the same data (the list of figures to hide is kept while the data are the same files, so
the first pass is already protected and nothing is made twice).  It prints each run's seconds, the
rounds of reports made again, and each district's audit (cells, relations, hidden counts before and
after protection, seconds).

    python benchmarks/bench_pack_audit.py PACK.yaml --output /tmp/bench_pack_audit [--workers 2]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flp_inquiry.packs.batch import run_pack  # noqa: E402
from flp_inquiry.packs.pack import read_pack_file  # noqa: E402


def timed(spec: dict, output: Path, workers: int, **options):
    started = time.perf_counter()
    summary = run_pack({**spec, "output": str(output)}, workers=workers, progress=False, **options)
    return summary, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pack", type=Path)
    parser.add_argument("--output", type=Path, required=True, help="a scratch folder: <output>_without, <output>_with")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    spec = read_pack_file(args.pack)
    without, with_audit = Path(f"{args.output}_without"), Path(f"{args.output}_with")
    for folder in (without, with_audit):
        shutil.rmtree(folder, ignore_errors=True)
    runs = [("without the audit", *timed(spec, without, args.workers, audit=False)),
            ("with the audit, first run", *timed(spec, with_audit, args.workers)),
            ("with the audit, again (force, same data)", *timed(spec, with_audit, args.workers, force=True))]
    print(f"{'run':42} {'seconds':>8}  {'ok':5} {'reports made again (jobs, s)':30} audit s")
    for name, summary, seconds in runs:
        rounds = ", ".join(f"{jobs} in {s:g} s" for jobs, s in summary.protection_rounds) or "-"
        audit = f"{summary.seconds_audit:.1f}" if summary.audits else "-"
        print(f"{name:42} {seconds:8.1f}  {summary.ok!s:5} {rounds:30} {audit}")
    for name, summary, _ in runs[1:]:
        for audit in summary.audits:
            print(f"{name}: {audit.summary()}")
    return 0 if all(summary.ok for _, summary, _ in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
