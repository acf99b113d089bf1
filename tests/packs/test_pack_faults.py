"""Faults in the middle of a meeting-pack run, judged by the state of the output folder afterwards.

The other fault kinds (a notebook that raises, a kernel that dies, a time limit, an
unwritable folder) are in test_batch.py; these need a real disk error, a real Ctrl-C, or a
re-run that fails after a good one.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from flp_inquiry import files
from flp_inquiry.packs.batch import read_state, run_pack
from tests.battery_report import records
from tests.packs.test_batch import ALLOWED, NOTEBOOKS, make_pack, statuses, write_harmonised, write_pack_file


def half_written(out: Path) -> list[Path]:
    """Hidden partial files: what an interrupted atomic write would leave behind."""
    return [p for p in out.rglob(".*") if p.is_file()]


@records("a full disk while a report is written: that job fails, no half-written report, the others finish")
def test_a_full_disk_while_writing_a_report_fails_that_job_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    real_mkstemp, partials = files.tempfile.mkstemp, {}

    def mkstemp(**where):
        handle, path = real_mkstemp(**where)
        partials[handle] = path
        return handle, path

    def fsync(handle):  # the disk fills up just as the echo report is flushed
        if Path(partials.get(handle, "")).parent.name == "echo" and partials[handle].endswith(".partial"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(files.os, "fsync", fsync)
    summary = run_pack(make_pack(tmp_path, questions=["echo", "district_only"]), allowed=ALLOWED, progress=False)
    out = tmp_path / "out"
    assert statuses(summary) == {"fresno/echo/district": "failed", "fresno/district_only/district": "ok"}
    assert "No space left on device" in next(r.error for r in summary.results if r.status == "failed")
    assert not (out / "fresno" / "echo" / "district.html").exists()
    assert (out / "fresno" / "district_only" / "district.html").is_file()
    assert half_written(out) == []
    assert set(read_state(out)) == {"fresno/district_only/district"}  # the failed job runs again next time


@records("Ctrl-C half way (a real SIGINT): finished reports kept, exit 130, a re-run does the rest")
def test_ctrl_c_half_way_keeps_finished_reports_and_a_rerun_picks_up(tmp_path):
    write_harmonised(tmp_path / "harmonised", "fresno", {2025: ["Lincoln Elementary"]})
    pack_file = write_pack_file(tmp_path, make_pack(tmp_path, questions=["district_only", "hangs"], timeout=300))
    out = tmp_path / "out"
    finished = out / "fresno" / "district_only" / "district.html"
    run = subprocess.Popen([sys.executable, "-m", "flp_inquiry.cli", "run", str(pack_file), "--workers", "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not finished.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert finished.exists(), "the quick job never finished"
    run.send_signal(signal.SIGINT)  # what Ctrl-C sends, while `hangs` is still running
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert "interrupted" in stdout
    assert set(read_state(out)) == {"fresno/district_only/district"}
    assert (out / "index.html").is_file() and half_written(out) == []
    assert not (out / "fresno" / "hangs" / "district.html").exists()

    # the re-run skips what finished and runs what did not (now with a short time limit)
    pack = json.loads(pack_file.read_text())
    resumed = run_pack({**pack, "timeout": 3}, allowed=ALLOWED, progress=False)
    assert statuses(resumed) == {"fresno/district_only/district": "skipped-unchanged", "fresno/hangs/district": "failed"}
    assert "time limit" in next(r.error for r in resumed.results if r.status == "failed")


@records("a failed re-run: the last good report is kept, and the index marks it stale, saying when it was made")
def test_a_failed_rerun_keeps_the_last_good_report_and_marks_it_stale(tmp_path):
    from flp_inquiry.packs.report import format_time

    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    pack = make_pack(tmp_path, notebooks=str(notebooks), questions=["echo", "district_only"])
    out = tmp_path / "out"
    assert run_pack(pack, allowed=ALLOWED, progress=False).ok
    report = out / "fresno" / "echo" / "district.html"
    good, made = report.read_bytes(), read_state(out)["fresno/echo/district"]["finished"]

    # the notebook now fails (as a changed export or notebook might make it)
    echo = nbformat.read(notebooks / "echo.ipynb", as_version=4)
    failing = nbformat.v4.new_code_cell("raise ValueError('the export changed')")
    nbformat.write(nbformat.v4.new_notebook(cells=[*echo.cells, failing], metadata=echo.metadata), notebooks / "echo.ipynb")
    for attempt in (1, 2):  # a second failed run keeps the same report, still made at the first run
        failed = run_pack(pack, allowed=ALLOWED, progress=False)
        assert statuses(failed) == {"fresno/echo/district": "failed", "fresno/district_only/district": "skipped-unchanged"}
        assert not failed.ok and report.read_bytes() == good
        index = (out / "index.html").read_text(encoding="utf-8")
        assert '<a href="fresno/echo/district.html">' in index
        assert "Stale: the latest run failed" in index
        assert (f"Made {format_time(made)}; the latest run did not make it again: ValueError: the export changed"
                in index)
        state = read_state(out)["fresno/echo/district"]
        assert "fingerprint" not in state and state["finished"] == made  # it runs again next time
    assert half_written(out) == []

    # fixed: the report is made again and is no longer stale
    nbformat.write(echo, notebooks / "echo.ipynb")
    fixed = run_pack(pack, allowed=ALLOWED, progress=False)
    assert statuses(fixed)["fresno/echo/district"] == "ok"
    assert "the latest run did not make it again" not in (out / "index.html").read_text(encoding="utf-8")
    assert "fingerprint" in read_state(out)["fresno/echo/district"]
