"""Meeting packs: the grid, failures kept apart, incremental re-runs, safe values, Dask.

Jobs run the tiny notebooks in ``fixtures/pack_notebooks`` (a real kernel each);
allowed values are given to ``run_pack`` instead of being read from harmonised data.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from flp_inquiry import cli
from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry.questions import allowed_values
from flp_inquiry.packs.batch import read_state, run_pack
from flp_inquiry.packs.job_spec import JobOutcome
from flp_inquiry.packs.pack import PackError, expand_pack, load_pack, slugify, with_command_line
from tests.battery_report import records
from tests.conftest import FIXTURES

NOTEBOOKS = FIXTURES / "pack_notebooks"
QUOTED = 'O\'Brien "Elementary"'
INJECTION = 'O\'Brien "Elementary"\\"; raise SystemExit("injected") #'
ALLOWED = {
    "fresno": {"district": ["fresno", "long_beach"], "school_year": [2024, 2025],
               "school": ["all", "Lincoln Elementary", QUOTED, INJECTION]},
    "long_beach": {"district": ["fresno", "long_beach"], "school_year": [2025], "school": ["all", "Poly High"]},
}


def make_pack(tmp_path: Path, **changes) -> dict:
    pack = {"title": "Test pack", "school_year": 2025, "districts": ["fresno"], "questions": ["echo"],
            "schools": ["all"], "output": str(tmp_path / "out"), "notebooks": str(NOTEBOOKS),
            "data": str(tmp_path / "harmonised"), "timeout": 60}
    pack.update(changes)
    return pack


def statuses(summary) -> dict[str, str]:
    return {result.job.key: result.status for result in summary.results}


def write_harmonised(data: Path, district: str, schools_by_year: dict[int, list[str]]) -> None:
    """The smallest harmonised district the store can list schools and years from."""
    folder = data / district
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"district": district, "created_utc": "2025-03-01T08:00:00+00:00"}))
    rows = [(year, f"{district}:{4048583 + index}", f"1062166{index:07d}", name) for year, names in schools_by_year.items()
            for index, name in enumerate(names)]
    pd.DataFrame(rows, columns=["school_year", "student_key", "school_cds", "school_name"]).to_parquet(
        folder / "enrollment.parquet")


def write_pack_file(tmp_path: Path, pack: dict) -> Path:
    path = tmp_path / "pack.yaml"
    path.write_text(json.dumps(pack))  # JSON is YAML
    return path


# --- the grid (no kernels) ------------------------------------------------------------------------

def test_grid_is_districts_by_questions_by_schools(tmp_path):
    pack = load_pack(make_pack(tmp_path, districts=["fresno", "long_beach"], questions=["echo", "district_only"],
                               schools="all"))
    jobs = expand_pack(pack, ALLOWED)
    # fresno: echo for the district + 3 schools, district_only once; long_beach: echo 1 + 1 school, district_only once
    keys = [job.key for job in jobs]
    assert keys[:3] == ["fresno/echo/district", "fresno/echo/lincoln-elementary", "fresno/echo/o-brien-elementary"]
    # the injection name begins like QUOTED: another file
    assert keys[3] == "fresno/echo/o-brien-elementary-raise-systemexit-injected"
    assert keys[4:] == ["fresno/district_only/district", "long_beach/echo/district", "long_beach/echo/poly-high",
                        "long_beach/district_only/district"]
    assert jobs[0].parameters == {"district": "fresno", "school_year": 2025, "school": "all",
                                  "data_dir": str(tmp_path / "harmonised")}
    assert jobs[4].parameters == {"district": "fresno", "school_year": 2025}  # declares no school nor data_dir


def test_schools_by_district(tmp_path):
    pack = load_pack(make_pack(tmp_path, districts=["fresno", "long_beach"],
                               schools={"fresno": ["Lincoln Elementary"], "long_beach": "all"}))
    assert [job.key for job in expand_pack(pack, ALLOWED)] == [
        "fresno/echo/lincoln-elementary", "long_beach/echo/district", "long_beach/echo/poly-high"]


def test_questions_all_finds_every_notebook(tmp_path):
    jobs = expand_pack(load_pack(make_pack(tmp_path, questions="all")), ALLOWED)
    assert sorted({job.question for job in jobs}) == ["district_only", "echo", "hangs", "kernel_dies", "raises"]


@pytest.mark.parametrize("changes, error, message", [
    ({"schools": ["Lincoln"]}, ParameterError, "Allowed values: all, Lincoln Elementary"),
    ({"districts": ["fresnoo"]}, ParameterError, "district = 'fresnoo' is not allowed"),
    ({"school_year": 2019}, ParameterError, "Allowed values: 2024, 2025"),
    ({"parameters": {"colour": "red"}}, ParameterError, "none of the pack's notebooks has such a parameter"),
    ({"parameters": {"district": "long_beach"}}, PackError, "'district' is set by the pack itself, from its districts"),
    ({"parameters": {"show_widgets": True}}, PackError, "a report has no live kernel"),
    ({"questions": ["../echo"]}, ParameterError, "a question is a notebook's name"),
    ({"questions": ["missing"]}, ParameterError, "Allowed values: district_only, echo"),
    ({"schools": ["../../etc"]}, ParameterError, "Allowed values: all, Lincoln Elementary"),  # not a school of it
    ({"output": "build/../../elsewhere"}, ParameterError, "'..' path step"),
    ({"schools": "every"}, PackError, "must be 'all'"),
    ({"timeout": "soon"}, PackError, "timeout must be a number"),
])
def test_wrong_packs_are_refused_before_anything_runs(tmp_path, changes, error, message):
    with pytest.raises(error) as refused:
        run_pack(make_pack(tmp_path, **changes), allowed=ALLOWED, progress=False)
    assert message in str(refused.value)
    assert not (tmp_path / "out").exists()


def test_the_command_reports_a_wrong_pack_without_a_traceback(tmp_path, capsys):
    pack_file = write_pack_file(tmp_path, make_pack(tmp_path, districts=["fresnoo"]))
    assert cli.main(["run", str(pack_file)]) == 2
    assert "is not allowed" in capsys.readouterr().err


def test_values_from_the_command_line_go_to_the_notebooks_that_have_them(tmp_path):
    """-p subject ela reaches the mathematics notebook, read as its declared str, and no other; -p school_year
    2024 is the pack's year (a number for every notebook); a value no notebook has is refused."""
    pack = load_pack(make_pack(tmp_path, questions=["mathematics", "attendance"], notebooks="notebooks",
                               parameters={"subject": "math"}))
    jobs = expand_pack(with_command_line(pack, {"subject": "ela", "school_year": "2024"}), ALLOWED)
    assert [(job.question, job.parameters.get("subject"), job.parameters["school_year"]) for job in jobs] == [
        ("mathematics", "ela", 2024), ("attendance", None, 2024)]
    with pytest.raises(ParameterError, match="none of the pack's notebooks has such a parameter"):
        expand_pack(with_command_line(pack, {"subjet": "ela"}), ALLOWED)
    with pytest.raises(ParameterError, match="Allowed values: 2024, 2025"):
        expand_pack(with_command_line(pack, {"school_year": "2023"}), ALLOWED)
    with pytest.raises(ParameterError, match="write the year the school year ends"):
        with_command_line(pack, {"school_year": "2024-25"})
    with pytest.raises(PackError, match="set by the pack itself, from its data"):
        with_command_line(pack, {"data_dir": "/elsewhere"})
    with pytest.raises(ParameterError, match="'..' path step"):
        with_command_line(pack, {}, output="build/../../elsewhere")


def test_the_command_runs_a_pack_for_another_year_into_another_folder(tmp_path, capsys):
    write_harmonised(tmp_path / "harmonised", "fresno", {2024: ["Lincoln Elementary"], 2025: ["Lincoln Elementary"]})
    pack_file = write_pack_file(tmp_path, make_pack(tmp_path))
    assert cli.main(["run", str(pack_file), "-p", "school_year", "2024", "--output", str(tmp_path / "last-year")]) == 0
    report = (tmp_path / "last-year" / "fresno" / "echo" / "district.html").read_text(encoding="utf-8")
    assert "This report is for <strong>all</strong> in fresno, 2024." in report
    index = (tmp_path / "last-year" / "index.html").read_text(encoding="utf-8")
    assert "<div><dt>School year</dt><dd>2023-24</dd></div>" in index
    assert not (tmp_path / "out").exists()
    assert cli.main(["run", str(pack_file), "-p", "school_year", "next"]) == 2
    assert "school_year = 'next' is not allowed" in capsys.readouterr().err


@pytest.mark.parametrize("name, slug", [
    ("Lincoln Elementary", "lincoln-elementary"), (QUOTED, "o-brien-elementary"), ("../../etc/passwd", "etc-passwd"),
    ("Édison K-8", "edison-k-8"), ("!!!", "school"),
])
def test_slugs_are_safe_file_names(name, slug):
    assert slugify(name) == slug


# --- running jobs (a kernel each) ----------------------------------------------------------------

@records("a notebook that raises: other jobs finish, its executed notebook shows the error, no report")
def test_a_failing_job_does_not_stop_the_others(tmp_path):
    summary = run_pack(make_pack(tmp_path, questions=["echo", "raises"], schools=[INJECTION]), workers=2,
                       allowed=ALLOWED, progress=False)
    assert statuses(summary) == {f"fresno/echo/{slugify(INJECTION)}": "ok", "fresno/raises/district": "failed"}
    assert not summary.ok
    assert "fresno/raises/district" in summary.table().splitlines()[1]  # failures first
    out = tmp_path / "out"
    # the school name with quotes and an attempted injection reached the notebook as plain text
    assert (out / "fresno" / "echo" / f"{slugify(INJECTION)}.html").is_file()
    log = (out / "_logs" / "fresno" / "echo" / f"{slugify(INJECTION)}.log").read_text()
    assert f"school={INJECTION!r}" in log and "OK in" in log
    # the failed job: no report, its executed notebook with the error in the cell that raised
    assert not (out / "fresno" / "raises" / "district.html").exists()
    executed = nbformat.read(out / "_executed" / "fresno" / "raises" / "district.ipynb", as_version=4)
    failed_cell = next(cell for cell in executed.cells if "raise ValueError" in cell.source)
    assert failed_cell.outputs[0].ename == "ValueError"
    assert "planned failure for fresno" in failed_cell.outputs[0].evalue
    assert "An Exception was encountered" in executed.cells[0].source
    assert (out / "index.html").is_file()
    assert set(read_state(out)) == {f"fresno/echo/{slugify(INJECTION)}"}  # only good runs are remembered


def test_allowed_values_come_from_the_harmonised_data(tmp_path):
    write_harmonised(tmp_path, "fresno", {2024: ["Old Name"], 2025: ["Lincoln Elementary", "Roosevelt High"]})
    allowed = allowed_values("fresno", tmp_path)
    assert allowed["school_year"] == [2024, 2025]
    # the first school is named as in its latest year
    assert allowed["school"] == ["all", "Lincoln Elementary", "Roosevelt High"]
    assert allowed["district"] == ["fresno", "long_beach", "toms_valley"]  # the project's districts (codes.DISTRICTS)


def test_the_command_checks_against_the_data_and_exits_non_zero_when_a_job_fails(tmp_path, capsys):
    write_harmonised(tmp_path / "harmonised", "fresno", {2025: ["Lincoln Elementary"]})
    wrong = write_pack_file(tmp_path, make_pack(tmp_path, schools=["Roosevelt High"]))
    assert cli.main(["run", str(wrong)]) == 2
    assert "Allowed values: all, Lincoln Elementary" in capsys.readouterr().err
    pack_file = write_pack_file(tmp_path, make_pack(tmp_path, questions=["raises", "district_only"]))
    assert cli.main(["run", str(pack_file), "--workers", "2"]) == 1
    printed = capsys.readouterr().out
    assert "fresno/raises/district         failed" in printed
    assert "fresno/district_only/district  ok" in printed


@records("a kernel that dies (os._exit): that job fails, the others finish")
@records("a notebook that hangs past its time limit: stopped, that job fails")
def test_kernel_death_and_time_limit_fail_only_their_jobs(tmp_path):
    summary = run_pack(make_pack(tmp_path, questions=["kernel_dies", "hangs", "district_only"], timeout=5),
                       workers=2, allowed=ALLOWED, progress=False)
    results = {result.job.question: result for result in summary.results}
    assert not summary.ok
    assert results["district_only"].status == "ok"
    assert results["kernel_dies"].status == "failed" and "kernel died" in results["kernel_dies"].error
    assert results["hangs"].status == "failed" and "time limit of 5 s" in results["hangs"].error
    executed = nbformat.read(tmp_path / "out" / "_executed" / "fresno" / "hangs" / "district.ipynb", as_version=4)
    stopped = next(cell for cell in executed.cells if "time.sleep" in cell.source)
    assert stopped.outputs[-1].ename == "CellTimeoutError"


@records("a re-run with nothing changed: no kernel started; a changed notebook re-runs only its jobs")
def test_unchanged_jobs_are_skipped_and_changed_ones_rerun(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    pack = make_pack(tmp_path, notebooks=str(notebooks), questions=["echo", "district_only"])
    first = run_pack(pack, workers=2, allowed=ALLOWED, progress=False)
    assert statuses(first) == {"fresno/echo/district": "ok", "fresno/district_only/district": "ok"}
    report = tmp_path / "out" / "fresno" / "echo" / "district.html"
    made = report.stat().st_mtime_ns

    again = run_pack(pack, workers=2, allowed=ALLOWED, progress=False)
    assert set(statuses(again).values()) == {"skipped-unchanged"} and again.ok
    assert report.stat().st_mtime_ns == made  # not re-made: no kernel ran

    # a new school runs only the new job
    wider = run_pack({**pack, "schools": ["all", "Lincoln Elementary"]}, allowed=ALLOWED, progress=False)
    assert statuses(wider) == {"fresno/echo/district": "skipped-unchanged",
                               "fresno/echo/lincoln-elementary": "ok",
                               "fresno/district_only/district": "skipped-unchanged"}

    # an edited notebook runs only its own jobs
    edited = nbformat.read(notebooks / "district_only.ipynb", as_version=4)
    edited.cells.append(nbformat.v4.new_code_cell("print('one more cell')"))
    nbformat.write(edited, notebooks / "district_only.ipynb")
    after_edit = run_pack(pack, allowed=ALLOWED, progress=False)
    assert statuses(after_edit) == {"fresno/echo/district": "skipped-unchanged",
                                    "fresno/district_only/district": "ok"}

    # a deleted report is made again; --force redoes everything
    report.unlink()
    assert statuses(run_pack(pack, allowed=ALLOWED, progress=False))["fresno/echo/district"] == "ok"
    forced = run_pack(pack, force=True, workers=2, allowed=ALLOWED, progress=False)
    assert set(statuses(forced).values()) == {"ok"}


def test_changed_harmonised_data_reruns_that_district(tmp_path):
    manifest = tmp_path / "harmonised" / "fresno" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"created_utc": "2025-03-01T08:00:00+00:00"}))
    pack = make_pack(tmp_path, questions=["district_only"])
    assert statuses(run_pack(pack, allowed=ALLOWED, progress=False)) == {"fresno/district_only/district": "ok"}
    manifest.write_text(json.dumps({"created_utc": "2025-03-02T08:00:00+00:00"}))
    assert statuses(run_pack(pack, allowed=ALLOWED, progress=False)) == {"fresno/district_only/district": "ok"}
    assert statuses(run_pack(pack, allowed=ALLOWED, progress=False)) == {
        "fresno/district_only/district": "skipped-unchanged"}


@records("an unwritable job folder: that job fails, the others finish")
def test_an_unwritable_job_folder_fails_that_job_only(tmp_path):
    out = tmp_path / "out"
    (out / "fresno").mkdir(parents=True)
    (out / "fresno" / "echo").write_text("a file where the job's folder should be")
    summary = run_pack(make_pack(tmp_path, questions=["echo", "district_only"]), allowed=ALLOWED, progress=False)
    assert statuses(summary) == {"fresno/echo/district": "failed", "fresno/district_only/district": "ok"}
    assert "could not write the job's files" in summary.results[0].error


@records("an unusable output folder: refused before any job runs")
def test_an_unusable_output_folder_stops_the_run_before_it_starts(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(PackError, match="cannot write to the output folder"):
        run_pack(make_pack(tmp_path), allowed=ALLOWED, progress=False)


@records("stopped half way: finished jobs kept, nothing half-written, a re-run does the rest")
def test_a_stopped_run_keeps_what_finished_and_the_next_run_does_the_rest(tmp_path, monkeypatch):
    pack = make_pack(tmp_path, schools=["all", "Lincoln Elementary"])

    def finish_one_then_ctrl_c(specs, sources, on_outcome, **options):
        first = specs[0]
        on_outcome(JobOutcome(first.key, "ok", 0.5, executed=sources[first.notebook_name], log="OK\n",
                              report_html="<p>report</p>"))
        raise KeyboardInterrupt

    monkeypatch.setattr("flp_inquiry.packs.executors.run_jobs", finish_one_then_ctrl_c)
    stopped = run_pack(pack, allowed=ALLOWED, progress=False)
    assert stopped.interrupted and not stopped.ok
    assert statuses(stopped) == {"fresno/echo/district": "ok", "fresno/echo/lincoln-elementary": "interrupted"}
    assert set(read_state(tmp_path / "out")) == {"fresno/echo/district"}
    assert (tmp_path / "out" / "index.html").is_file()
    assert not [p for p in (tmp_path / "out").rglob(".*") if p.is_file()]  # nothing half-written

    monkeypatch.undo()
    resumed = run_pack(pack, allowed=ALLOWED, progress=False)
    assert statuses(resumed) == {"fresno/echo/district": "skipped-unchanged", "fresno/echo/lincoln-elementary": "ok"}


def test_dask_executor_lands_files_in_the_same_layout(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = run_pack(make_pack(tmp_path, questions=["echo", "raises"]), executor="dask",
                           scheduler=cluster.scheduler_address, allowed=ALLOWED, progress=False)
    assert statuses(summary) == {"fresno/echo/district": "ok", "fresno/raises/district": "failed"}
    out = tmp_path / "out"
    assert (out / "fresno" / "echo" / "district.html").is_file()
    assert (out / "_executed" / "fresno" / "raises" / "district.ipynb").is_file()
    assert (out / "_logs" / "fresno" / "echo" / "district.log").is_file()


def test_dask_needs_a_scheduler_address(tmp_path):
    with pytest.raises(ParameterError, match="needs --scheduler"):
        run_pack(make_pack(tmp_path), executor="dask", allowed=ALLOWED, progress=False)
