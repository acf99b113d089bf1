"""The privacy audit at the end of a run (issue 22): a district that cannot be protected fails the run, and its
reports of the last good run come back, as a failed job's do."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from flp_inquiry.files import write_atomic
from flp_inquiry.packs import audit_run
from flp_inquiry.packs.audit_pack import hidden_figures_path
from flp_inquiry.packs.audit_run import PREVIOUS_FOLDER, PreviousReports, RunHooks, audit_and_protect
from flp_inquiry.packs.batch import JobResult, PackSummary
from flp_inquiry.packs.pack import Job
from tests.battery_report import records
from tests.packs.test_audit_pack import chain_pack

REPORTS = ("common", "groups", "attendance")


def jobs() -> list[Job]:
    return [Job("x", question, "A", "a", Path(f"{question}.ipynb"), {}) for question in REPORTS]


def write_reports(output: Path, words: str) -> None:
    for job in jobs():  # as a run writes them: a new file in the old one's place
        write_atomic(job.report_path(output), words)


@records("a privacy audit that cannot pass in the rounds allowed: the run fails naming the district and the counts "
         "still narrowable; its reports of the last good run come back, marked stale, none of this run's is left")
def test_a_district_the_rounds_cannot_protect_fails_the_run_and_keeps_its_last_good_reports(tmp_path, monkeypatch):
    # the last good run: two reports (the third is new this run), no figures to hide
    write_reports(tmp_path, "last good run")
    jobs()[2].report_path(tmp_path).unlink()
    previous = PreviousReports.keep(tmp_path, ["x"])
    # this run: the three reports of tests/packs/test_audit_pack.py, whose school A's TBD (3) a reader works out
    chain_pack(tmp_path)
    write_reports(tmp_path, "this run")
    reruns, withdrawn = [], {}
    pack = SimpleNamespace(districts=["x"], data=str(tmp_path / "data"))
    summary = PackSummary("t", tmp_path, [JobResult(job, "ok") for job in jobs()])

    def rerun(keys):  # a report that shows its figures whatever the list says: the audit never passes
        reruns.append(sorted(keys))
        hidden_figures_path(tmp_path, "x").unlink()  # (and the next round hides the same figures again)
        chain_pack(tmp_path)
        return PackSummary("t", tmp_path, [JobResult(job, "ok") for job in jobs()])

    def withdraw(last, keys, error, _):
        withdrawn.update({key: error for key in keys})

    indexed = []
    hooks = RunHooks(rerun=rerun, prepare_extracts=lambda problems: None, extract_year=lambda district: None,
                     withdraw=withdraw, write_index=lambda last, audits: indexed.append(audits))
    monkeypatch.setattr(audit_run, "PROTECTION_ROUNDS", 3)
    summary = audit_and_protect(pack, summary, hooks, previous)
    previous.discard()

    assert len(reruns) == 3 and reruns[0] == ["x/attendance/a", "x/groups/a"]
    problem, = summary.problems
    # the district, and the counts still narrowable: TBD 3 (73 - 40 - 12 - 18) and EL 30 (12 + 18)
    assert problem.startswith("the privacy audit of x did not pass after 3 rounds of hiding more figures: "
                              "2 hidden counts can still be narrowed to fewer than 6 values (")
    assert "math.tested of el_status=TBD;school=A;school_year=2025 (3-3)" in problem
    assert "math.tested of el_status=EL;school=A;school_year=2025 (30-30)" in problem
    assert set(withdrawn) == {"x/common/a", "x/groups/a", "x/attendance/a"} and set(withdrawn.values()) == {problem}
    # nothing of this run is left to hand out: the two reports of the last good run are back, the new one gone,
    # and so are this run's executed notebooks and figures to hide (the audit reads them)
    assert [job.report_path(tmp_path).read_text() for job in jobs()[:2]] == ["last good run"] * 2
    assert not jobs()[2].report_path(tmp_path).exists()
    assert not (tmp_path / "_executed" / "x").exists() or not list((tmp_path / "_executed" / "x").rglob("*.ipynb"))
    assert not hidden_figures_path(tmp_path, "x").exists() and not (tmp_path / PREVIOUS_FOLDER).exists()
    # the index does not say the audit passed
    assert [audit.passed for audit in indexed[-1]] == [False]


def test_a_withdrawn_job_keeps_its_last_good_report_marked_stale_and_runs_again_next_time(tmp_path):
    from flp_inquiry.packs.batch import _withdraw, read_state

    kept, new = jobs()[0], jobs()[2]
    write_atomic(kept.report_path(tmp_path), "last good run")  # (put back by PreviousReports.restore)
    previous_state = {kept.key: {"fingerprint": "f", "seconds": 2.0, "finished": "2025-05-01T10:00:00+00:00"}}
    summary = PackSummary("t", tmp_path, [JobResult(kept, "ok"), JobResult(new, "ok")])
    _withdraw(tmp_path, summary, [kept.key, new.key], "the privacy audit of x did not pass", previous_state)
    state = read_state(tmp_path)
    # no fingerprint: both run again next time; the kept one says when its report was made
    assert state == {kept.key: {"seconds": 2.0, "finished": "2025-05-01T10:00:00+00:00",
                                "latest_failed": state[kept.key]["latest_failed"]}}
    assert [(r.status, r.stale_report_made) for r in summary.results] == [
        ("failed", "2025-05-01T10:00:00+00:00"), ("failed", None)]
    assert summary.results[0].error == "the privacy audit of x did not pass"
