"""The ``flp-inquiry`` command: a thin wrapper over functions a notebook can call too.

Each sub-command parses its arguments and calls one function of the package;
errors meant for a data coach (:class:`~flp_inquiry.errors.FlpInquiryError`, also a
read-only folder or a full disk) are printed as one line without a traceback and end
with exit status 2; Ctrl-C ends with one line and status 130.
"""
from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from flp_inquiry.errors import FlpInquiryError

DEFAULT_DATA = Path("build/harmonised")


def _cmd_sample(args: argparse.Namespace) -> int:
    if args.format == "toms":  # the fictional third district's files from the state (TOMS)
        from flp_inquiry.ingest.toms.sample import DISTRICT, FULL_SIZE, write_toms_sample

        folder = Path(args.out) / DISTRICT
        paths = write_toms_sample(folder, students=max(1, round(FULL_SIZE * args.scale)), seed=args.seed)
        print(f"wrote {folder} ({len(paths)} files: " + ", ".join(path.name for path in paths) + ")")
        return 0
    from flp_inquiry.ingest.sample import write_sample

    for folder in write_sample(args.out, scale=args.scale, seed=args.seed):
        print(f"wrote {folder}")
    return 0


def _cmd_harmonise(args: argparse.Namespace) -> int:
    from flp_inquiry.ingest.catalog import read_manifest
    from flp_inquiry.ingest.harmonise import harmonise_district

    folder = harmonise_district(args.district, args.source, args.out, mapping=args.mapping)
    print(f"wrote {folder}")
    # not errors: what the coach may want to fix in the SIS (also in the folder's manifest.json)
    for finding in read_manifest(args.district, args.out).get("findings", []):
        print(f"finding: {finding['message']}")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from flp_inquiry.ingest.store import summarise_districts

    print(summarise_districts(args.data).to_string(index=False))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from flp_inquiry.demo import run_demo

    return run_demo(sample_dir=args.sample, out=args.out)


def _cmd_metrics(args: argparse.Namespace) -> int:
    from flp_inquiry.measures.dashboard import round_half_away
    from flp_inquiry.measures.metrics import metric_table
    from flp_inquiry.spreadsheet import spreadsheet_csv

    by = [c.strip() for c in (args.by or "").split(",") if c.strip()]
    table = metric_table(
        args.metric, district=args.district, year=args.year, subject=args.subject,
        by=by, data=args.data, suppressed=not args.unsuppressed,
    )
    # one decimal, rounded half away from zero as the Dashboard prints figures (cells may be "*")
    shown = table.apply(lambda column: column.map(
        lambda v: float(round_half_away([v], 1)[0]) if isinstance(v, float) else v))
    sys.stdout.write(spreadsheet_csv(shown))  # a school name is never a formula in a spreadsheet
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from flp_inquiry.measures.extract import write_extract

    print(f"wrote {write_extract(args.district, args.year, data=args.data, out=args.out)}")
    return 0


def _cmd_new_question(args: argparse.Namespace) -> int:
    from flp_inquiry.inquiry.new_question import new_question

    print(f"wrote {new_question(args.title, folder=args.folder)}")
    return 0


def _cmd_dashboard_check(args: argparse.Namespace) -> int:
    from flp_inquiry.measures.dashboard_check import check_download, check_exit_status

    reports, unreadable = [], 0
    for file in args.files:
        try:
            reports.append(check_download(file))
        except FlpInquiryError as err:  # one file the command cannot read: the others are still checked
            print(f"flp-inquiry dashboard check: {file}: {err}", file=sys.stderr)
            unreadable += 1
            continue
        print(reports[-1].to_text(), end="\n\n")
    return 2 if unreadable else check_exit_status(reports)


def _cmd_run(args: argparse.Namespace) -> int:
    from flp_inquiry.packs.batch import run_pack
    from flp_inquiry.packs.pack import load_pack, with_command_line

    pack = with_command_line(load_pack(args.pack), dict(args.parameter), args.output)
    summary = run_pack(pack, workers=args.workers, force=args.force, executor=args.executor, scheduler=args.scheduler)
    print(summary.table())
    for audit in summary.audits:
        print(f"privacy audit: {audit.summary()}")
    if summary.protection_rounds:
        print("privacy audit: reports run again to hide more figures: " + ", ".join(
            f"{jobs} in {seconds:g} s" for jobs, seconds in summary.protection_rounds))
    if summary.interrupted:
        return 130  # the shell's status for Ctrl-C
    return 0 if summary.ok else 1


def _cmd_audit(args: argparse.Namespace) -> int:
    from flp_inquiry.packs.audit_pack import audit_pack_output

    if not (args.pack_dir / "_executed").is_dir():
        print(f"flp-inquiry audit: {args.pack_dir} holds no executed notebooks (_executed/): is it a pack's output?",
              file=sys.stderr)
        return 2
    audits = audit_pack_output(args.pack_dir, args.district or None, args.school_year, args.data)
    for audit in audits:
        print(audit.summary())
        if args.show_narrowed:
            narrowed = audit.result.hidden[~audit.result.hidden["protected"]]
            for row in narrowed.itertuples():
                print(f"  {row.measure} of {row.population or 'everyone'}: {row.low:g}-{row.high:g} ({row.tables})")
    return 0 if all(audit.passed for audit in audits) else 1


#: What is left after Ctrl-C, by command (harmonised folders and extracts are swapped in whole).
_INTERRUPTED = {"harmonise": "; nothing was written, an earlier harmonised folder is as it was",
                "extract": "; nothing was written, an earlier extract is as it was"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flp-inquiry", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="generate synthetic exports for both districts (or the state's files of a third)")
    p.add_argument("--format", choices=["exports", "toms"], default="exports",
                   help="exports: both partner districts' own exports; toms: the state's CAASPP and ELPAC score "
                        "files of a fictional third district (toms_valley), three years, each in its layout")
    p.add_argument("--scale", type=float, default=0.02, help="1.0 = full-size districts (~70,000 students a year; "
                                                             "toms: 120,000)")
    p.add_argument("--seed", type=int, default=2008)
    p.add_argument("--out", type=Path, default=Path("data/sample"))
    p.set_defaults(handler=_cmd_sample)

    p = sub.add_parser("harmonise", help="map a district's export onto the canonical tables (Parquet)")
    p.add_argument("--district", required=True)
    p.add_argument("--source", type=Path, required=True, help="folder of the district's export files")
    p.add_argument("--out", type=Path, default=DEFAULT_DATA)
    p.add_argument("--mapping", type=Path, default=None, help="a mapping YAML (default: the district's own)")
    p.set_defaults(handler=_cmd_harmonise)

    p = sub.add_parser("summary", help="students, schools, years and tests per harmonised district")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.set_defaults(handler=_cmd_summary)

    p = sub.add_parser("demo", help="the main job on the sample data")
    p.add_argument("--sample", type=Path, default=Path("data/sample"))
    p.add_argument("--out", type=Path, default=Path("build"))
    p.set_defaults(handler=_cmd_demo)

    p = sub.add_parser("metrics", help="one metric as CSV on stdout")
    p.add_argument("metric")
    p.add_argument("--district", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--subject", choices=["ela", "math"], default=None)
    p.add_argument("--by", default="", help="comma-separated groupings, e.g. school,el_status")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--unsuppressed", action="store_true", help="show small cells (the district's own use only)")
    p.set_defaults(handler=_cmd_metrics)

    p = sub.add_parser("extract", help="write a district's suppressed cross-district extract")
    p.add_argument("--district", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=Path("build/extracts"))
    p.set_defaults(handler=_cmd_extract)

    p = sub.add_parser("dashboard", help="the California School Dashboard's own files")
    dashboard = p.add_subparsers(dest="dashboard_command", required=True)
    c = dashboard.add_parser(
        "check", help="work out a Dashboard download's status levels, change levels and colours again from its rows",
        description="For every row of each Dashboard download, work out the status level, change level and colour "
                    "again from the row's own status, change and counts, and test every rule of "
                    "dashboard_indicators.yaml on it. Exit status 0: every row reproduced; 1: a row is not; "
                    "2: a file could not be read or is not a Dashboard download the settings know.")
    c.add_argument("files", nargs="+", type=Path, metavar="FILE")
    c.set_defaults(handler=_cmd_dashboard_check)

    p = sub.add_parser("new-question", help="start a new inquiry notebook from the template")
    p.add_argument("title")
    p.add_argument("--folder", type=Path, default=Path("notebooks"))
    p.set_defaults(handler=_cmd_new_question)

    p = sub.add_parser("run", help="run a meeting pack (YAML) and render its reports")
    p.add_argument("pack", type=Path)
    p.add_argument("--workers", type=int, default=None, help="default: one per core")
    p.add_argument("--force", action="store_true", help="re-run jobs even when nothing changed")
    p.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="a value for every notebook that has the parameter, over the pack's (-p subject ela); "
                        "-p school_year 2024 runs the pack for another year")
    p.add_argument("--output", default=None, help="the output folder, instead of the pack's")
    p.add_argument("--executor", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, with --executor dask")
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("audit", help="the privacy audit of a pack's output: can any hidden count be worked out?")
    p.add_argument("pack_dir", type=Path, help="a pack's output folder (with _executed/)")
    p.add_argument("--district", action="append", default=[], help="only this district (default: every one)")
    p.add_argument("--school-year", type=int, default=None, help="the pack's year: its districts' extracts are read too")
    p.add_argument("--data", type=Path, default=None, help="harmonised data (for an extract kept beside it)")
    p.add_argument("--show-narrowed", action="store_true", help="list every hidden count not protected")
    p.set_defaults(handler=_cmd_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; ``argv`` defaults to the command line, and then the process is about to end."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:  # output piped into `head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except FlpInquiryError as err:
        print(f"flp-inquiry {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: what each command writes, it writes whole or not at all
        print(f"flp-inquiry {args.command}: interrupted (Ctrl-C){_INTERRUPTED.get(args.command, '')}",
              file=sys.stderr)
        return 130  # the shell's status for Ctrl-C
    finally:
        if argv is None:
            # The process ends next: spare the interpreter's last collection of every object it made
            # (0.15 s after a meeting pack); the system frees the memory at once.
            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
