"""The privacy audit of a pack's output (issue 22): executed notebooks read, figures to hide, the sample pack protected."""
from __future__ import annotations

import json

from markupsafe import escape

from flp_inquiry.cli import main
from flp_inquiry.ingest.sample import HARBOR
from flp_inquiry.measures.table_meaning import MIMETYPE, Count, TableMeaning
from flp_inquiry.packs.audit_pack import (
    audit_district,
    hidden_figures_path,
    notebook_meanings,
    protect_district,
    read_hidden_figures,
)

YEAR = {"school_year": "2025"}
SCHOOL_A = {"school": "A", **YEAR}


def _notebook(*meanings: TableMeaning) -> dict:
    outputs = [{"output_type": "display_data", "data": {"text/html": "<table></table>"},
                "metadata": {MIMETYPE: meaning.to_json()}} for meaning in meanings]
    return {"cells": [{"cell_type": "code", "source": "", "outputs": outputs}], "metadata": {}, "nbformat": 4,
            "nbformat_minor": 5}


def _write(output, report: str, *meanings: TableMeaning) -> None:
    path = output / "_executed" / f"{report}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_notebook(*meanings)))


def chain_pack(output):
    """Three reports of school A: its total 73; its groups (EO 40, EL and TBD hidden); its ELs' attendance halves 12 and 18."""
    _write(output, "x/common/a", TableMeaning("t", SCHOOL_A, [], [Count("n", "math.tested")], rows=[{"n": 73}]))
    _write(output, "x/groups/a", TableMeaning(
        "t", SCHOOL_A, ["el_status"], [Count("n", "math.tested")], complete={"el_status": "all"},
        rows=[{"el_status": "EL", "n": "*", "hidden": {"n": "complementary"}}, {"el_status": "EO", "n": 40},
              {"el_status": "TBD", "n": "*", "hidden": {"n": "small"}}]))
    _write(output, "x/attendance/a", TableMeaning(
        "t", {**SCHOOL_A, "el_status": "EL"}, ["attendance"], [Count("n", "math.tested")],
        complete={"attendance": "all"},
        rows=[{"attendance": "Chronically absent", "n": 12}, {"attendance": "Not chronically absent", "n": 18}]))


def test_the_audit_reads_every_report_of_a_district_together(tmp_path):
    chain_pack(tmp_path)
    audit = audit_district(tmp_path, "x")
    # EL = 12 + 18 = 30 (the halves), so TBD = 73 - 40 - 30 = 3: no one report gives it away
    hidden = audit.result.hidden.set_index("population")
    assert (audit.tables, audit.cells) == (3, 6)
    assert hidden.loc["el_status=TBD;school=A;school_year=2025", ["low", "high"]].tolist() == [3, 3]
    assert not audit.passed


def test_protection_lists_the_figures_to_hide_and_the_reports_to_make_again(tmp_path):
    chain_pack(tmp_path)
    audit, reports = protect_district(tmp_path, "x")
    # as in tests/measures/test_audit.py: EO's 40, then the half of 12 (never the school's total 73)
    figures = json.loads(hidden_figures_path(tmp_path, "x").read_text())
    assert sorted(map(tuple, figures)) == [
        ("math.tested", "attendance=Chronically absent;el_status=EL;school=A;school_year=2025"),
        ("math.tested", "el_status=EO;school=A;school_year=2025")]
    assert reports == {"x/attendance/a", "x/groups/a"}
    assert audit.unprotected_before == 2 and audit.extra_hidden == 2


def test_the_sample_packs_audit_passes(sample_pack, capsys):
    summary = sample_pack.summary
    assert summary.ok, summary.problems
    assert {audit.district for audit in summary.audits} == {"fresno", "long_beach"}
    # a first run: every job was made by it, the ones protection ran again and the others alike
    assert summary.protection_rounds and {result.status for result in summary.results} == {"ok"}
    for audit in summary.audits:
        assert audit.passed and audit.hidden_counts > 0
        assert audit.result.hidden["protected"].all()
        assert (audit.result.hidden["values"] >= 6).all()
    index = (sample_pack.output / "index.html").read_text()
    assert "Privacy audit:" in index
    # tables and charts showing counts that do not say what they count are named, and the verdict is over the rest
    unread = [item for audit in summary.audits for item in audit.unread]
    if unread:
        assert "the audit passed over the tables it read" in index and "Not read by the audit" in index
        assert all(str(escape(item.split(": ", 1)[1])) in index for item in unread)  # (escaped, as the index writes it)
    else:
        assert "the audit passed: no hidden count" in index
    # the English learners report's side-by-side tables are read: ELA's counts as well as math's
    side_by_side = [meaning for meaning in notebook_meanings(sample_pack.output, "fresno")
                    if meaning.table.startswith("fresno/english_learners/district#") and len(meaning.counts) == 2]
    assert side_by_side and {count.measure for count in side_by_side[0].counts} == {"math.tested", "ela.tested"}
    # the headline figures set beside the district are read, and none of them is hidden beyond the rule
    hidden = {tuple(figure) for district in ("fresno", "long_beach") for figure in read_hidden_figures(sample_pack.output, district)}
    assert ("ela.tested", f"grade=11;school={HARBOR};school_year=2025") not in hidden
    assert main(["audit", str(sample_pack.output), "--school-year", "2025"]) == 0
    assert "0 of them narrowed to fewer than 6 values (passed" in capsys.readouterr().out
