"""``dashboard check``: every real Dashboard download reproduced, and small hand-made downloads for each rule.

The real-file expectations are read off the files' own columns (how many rows publish a level, read
here with plain pandas, and which rows are small groups or flagged), not off the check's output.
"""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.dashboard_check import check_download, check_exit_status, identify_download

#: Every Dashboard download in shared/data/public, with its indicator and rows.
REAL_DOWNLOADS = {
    "graddownload2017f_fresno_longbeach.txt": ("graduation_2017", 334),
    "elpidownload2017f_fresno_longbeach.txt": ("elpi_2017", 177),
    "ccidownload2017f_fresno_longbeach.txt": ("cci_2017", 318),
    "ela11download2017f_fresno_longbeach.txt": ("ela_11_2017", 394),
    "math11download2017f_fresno_longbeach.txt": ("math_11_2017", 393),
}


def _summary(report, check):
    row = report.summary.set_index("check").loc[check]
    return {k: row[k] for k in ("compared", "published", "matched", "explained_by_rule", "not_reproduced")}


def _explained(report):
    return sorted((row.entity.split(" (")[0], row.group, row.check) for row in report.explained.itertuples())


def _published(public_dir, name, column) -> int:
    """Rows publishing a level, read with plain pandas (0 or blank = none)."""
    raw = pd.read_csv(public_dir / name, sep="\t", dtype=str, keep_default_na=False)
    return int((pd.to_numeric(raw[column], errors="coerce").fillna(0) > 0).sum())


def _checked(public_dir, name):
    report = check_download(public_dir / name)
    indicator, rows = REAL_DOWNLOADS[name]
    assert report.indicator.name == indicator and report.rows == rows
    assert report.reproduced, report.to_text()
    assert (report.summary["not_reproduced"] == 0).all()  # every rule holds on every row it applies to
    return report


def test_every_dashboard_download_held_is_checked_here(public_dir):
    held = {path.name for path in public_dir.glob("*download*")}
    assert held == set(REAL_DOWNLOADS), f"a new Dashboard download needs its own test: {held ^ set(REAL_DOWNLOADS)}"


def test_graduation_2017_every_level_reproduced(public_dir):
    name = "graddownload2017f_fresno_longbeach.txt"
    report = _checked(public_dir, name)
    published = {c: _published(public_dir, name, c) for c in ("statuslevel", "changelevel", "color")}
    assert published == {"statuslevel": 216, "changelevel": 211, "color": 165}
    assert _summary(report, "statuslevel") == {"compared": 334, "published": 216, "matched": 334,
                                               "explained_by_rule": 0, "not_reproduced": 0}
    assert _summary(report, "changelevel") == {"compared": 334, "published": 211, "matched": 331,
                                               "explained_by_rule": 3, "not_reproduced": 0}
    assert _summary(report, "color") == {"compared": 334, "published": 165, "matched": 330,
                                         "explained_by_rule": 4, "not_reproduced": 0}
    # the safety-net schools whose ALL group rose by 5 or more (file flag safetynet = Y), and the homeless
    # youth with 30 or more now but under 30 in the pooled prior years (43/27, 37/27, 32/29)
    assert _explained(report) == sorted([
        ("Design Science Early College High", "ALL", "changelevel"),
        ("Sierra Charter", "ALL", "changelevel"),
        ("Avalon K-12", "ALL", "changelevel"), ("Avalon K-12", "ALL", "color"),
        ("Sunnyside High", "HOM", "color"), ("Herbert Hoover High", "HOM", "color"),
        ("Roosevelt High", "HOM", "color"),
    ])
    rules = set(report.explained["rule"].str.split(" \\(").str[0])
    assert rules == {"change level held within Declined..Increased where safetynet = Y",
                     "a colour needs 30 or more students in priordenom too"}
    assert _summary(report, "change")["matched"] == 211  # the change from the unrounded rates, all 211
    assert _summary(report, "cal_method label")["matched"] == 334
    assert any(note.startswith("42 blank count(s) among prioryear1_numer") for note in report.notes)


def test_elpi_2017_every_level_reproduced(public_dir):
    name = "elpidownload2017f_fresno_longbeach.txt"
    report = _checked(public_dir, name)
    assert [_published(public_dir, name, c) for c in ("statuslevel", "changelevel", "color")] == [166, 165, 141]
    assert _summary(report, "statuslevel") == {"compared": 177, "published": 166, "matched": 177,
                                               "explained_by_rule": 0, "not_reproduced": 0}
    assert _summary(report, "changelevel") == {"compared": 177, "published": 165, "matched": 177,
                                               "explained_by_rule": 0, "not_reproduced": 0}
    assert _summary(report, "color") == {"compared": 177, "published": 141, "matched": 176,
                                         "explained_by_rule": 1, "not_reproduced": 0}
    # Los Cerritos Elementary: 31 testers now, 19 last year
    assert _explained(report) == [("Los Cerritos Elementary", "-", "color")]
    assert _summary(report, "nsize_met")["matched"] == 177 and _summary(report, "box")["matched"] == 177


def test_cci_2017_every_status_level_reproduced(public_dir):
    name = "ccidownload2017f_fresno_longbeach.txt"
    report = _checked(public_dir, name)
    assert _published(public_dir, name, "statuslevel") == 216
    assert _summary(report, "statuslevel") == {"compared": 318, "published": 216, "matched": 318,
                                               "explained_by_rule": 0, "not_reproduced": 0}
    assert _summary(report, "changelevel")["published"] == "not in file"
    assert report.explained.empty


@pytest.mark.parametrize(("name", "changes"), [
    ("ela11download2017f_fresno_longbeach.txt", 246),
    ("math11download2017f_fresno_longbeach.txt", 244),
])
def test_grade_11_2017_figures_reproduced_and_el_is_elo_plus_rfp(public_dir, name, changes):
    report = _checked(public_dir, name)
    raw = pd.read_csv(public_dir / name, sep="\t", dtype=str)
    assert not {"statuslevel", "changelevel", "color"} & set(raw.columns)  # grade 11 had no level in Fall 2017
    assert report.published == ()
    # 22 entities show EL, ELO and RFP; in each, EL's students (this year and last) are ELO's + RFP's
    assert _summary(report, "EL = ELO + RFP") == {"compared": 22, "published": "", "matched": 22,
                                                  "explained_by_rule": 0, "not_reproduced": 0}
    assert _summary(report, "change")["matched"] == changes == int(raw["change"].notna().sum())
    assert report.levels["status_level"].isna().all()  # and no level is invented for it


def test_the_44_entity_subject_rows_of_the_issue(public_dir):
    total = 0
    for name in ("ela11download2017f_fresno_longbeach.txt", "math11download2017f_fresno_longbeach.txt"):
        frame = pd.read_csv(public_dir / name, sep="\t", dtype={"cds": str})
        wide = frame.pivot_table(index="cds", columns="studentgroup", values="currdenom", aggfunc="first")
        three = wide[["EL", "ELO", "RFP"]].dropna()
        assert (three["EL"] == three["ELO"] + three["RFP"]).all()
        total += len(three)
    assert total == 44


# --- hand-made downloads, one rule at a time -------------------------------------------------------------

@pytest.fixture
def write_download(tmp_path):
    """Write a small tab-delimited Dashboard download from row dicts (blank cells as None)."""
    def write(name: str, rows: list[dict]):
        path = tmp_path / name
        pd.DataFrame(rows).to_csv(path, sep="\t", index=False, na_rep="")
        return path
    return write


def _grad_row(**values):
    row = {"cds": "10621660000000", "rtype": "S", "schoolname": "Test High", "studentgroup": "ALL",
           "currnumer": 90, "currdenom": 100, "currstatus": 90.0, "priornumer": 240, "priordenom": 300,
           "priorstatus": 80.0, "cal_method": "3yr", "safetynet": "N", "change": 10.0,
           "prioryear1_numer": 80, "prioryear1_denom": 100, "prioryear1_status": 80.0,
           "prioryear2_numer": 80, "prioryear2_denom": 100, "prioryear2_status": 80.0,
           "prioryear3_numer": 80, "prioryear3_denom": 100, "prioryear3_status": 80.0,
           "statuslevel": 4, "changelevel": 5, "color": 5, "box": 100, "reportingyear": "2017f"}
    row.update(values)
    return row


def test_a_hand_made_graduation_row_is_reproduced(write_download):
    # 90.0% is High (90 to < 95), +10.0 Increased Significantly, High x IS = Blue, box 10 x (1 x 5 + 5) = 100
    report = check_download(write_download("graddownload2017f_test.txt", [_grad_row()]))
    assert report.reproduced, report.to_text()
    assert report.levels[["status_level", "change_level", "colour"]].iloc[0].tolist() == [4, 5, 5]
    assert check_exit_status([report]) == 0


def test_a_row_the_rules_do_not_give_is_not_reproduced_and_its_flags_said(write_download):
    row = _grad_row(color=3, dass_flag="Y")  # published Yellow where High x IS is Blue
    report = check_download(write_download("graddownload2017f_test.txt", [row]))
    assert not report.reproduced and check_exit_status([report]) == 1
    problem = report.not_reproduced.iloc[0]
    assert (problem["line"], problem["check"]) == (2, "color")
    assert "published 3 Yellow, the rules give 5 Blue" in problem["reason"]
    assert "alternative (DASS) school" in problem["reason"] and "dass_flag = Y" in problem["reason"]
    assert "line 2, Test High (10621660000000), ALL: color: not reproduced: " in report.to_text()


@pytest.mark.parametrize(("years", "label"), [
    ((0, 0, 0), None),      # no student before: blank
    ((10, 5, 6), "N/A"),    # Millikan High's MR: no single year reaches 11 (still pooled: 21)
    ((4, 0, 0), "N/A"),     # foster youth with 4 the year before
    ((23, 0, 0), "1yr"),    # homeless youth: only the year before has students
    ((2, 12, 12), "3yr"),   # Sierra Charter's AA
])
def test_cal_method_label(write_download, years, label):
    y1, y2, y3 = years
    row = _grad_row(priordenom=y1 + y2 + y3, priornumer=None, priorstatus=None, change=None, cal_method=label,
                    prioryear1_denom=y1, prioryear2_denom=y2, prioryear3_denom=y3,
                    prioryear1_numer=None, prioryear2_numer=None, prioryear3_numer=None,
                    prioryear1_status=None, prioryear2_status=None, prioryear3_status=None,
                    changelevel=0, color=0, box=0)
    for year, denominator in zip(("prioryear1", "prioryear2", "prioryear3"), years):
        if denominator >= 11:  # a year's figures are published from 11 students
            row.update({f"{year}_numer": denominator, f"{year}_status": 100.0})
    if y1 + y2 + y3 >= 11:
        row.update(priornumer=y1 + y2 + y3, priorstatus=100.0, change=-10.0, changelevel=1)
    report = check_download(write_download("graddownload2017f_test.txt", [row]))
    assert report.summary.set_index("check").loc["cal_method label", "matched"] == 1, report.to_text()
    wrong = {None: "3yr", "N/A": "1yr", "1yr": "3yr", "3yr": "N/A"}[label]
    report = check_download(write_download("graddownload2017f_test.txt", [{**row, "cal_method": wrong}]))
    assert report.summary.set_index("check").loc["cal_method label", "not_reproduced"] == 1


def _elpi_row(**values):
    row = {"cds": "19647256015465", "rtype": "S", "schoolname": "Test Elementary",
           "currtesters": 40, "curradvanced": 20, "currmaintained": 2, "currrfeps": 10, "currltels": 0,
           "currnumer": 32, "currdenom": 50, "currstatus": 64.0,
           "priortesters": 40, "prioradvanced": 20, "priormaintained": 2, "priorrfeps": 10, "priorltels": 0,
           "priornumer": 32, "priordenom": 50, "priorstatus": 64.0, "change": 0.0,
           "statuslevel": 2, "changelevel": 3, "color": 2, "box": 180, "flag50pct": None, "nsize_met": "Y",
           "reportingyear": "2017f"}
    row.update(values)
    return row


def test_blank_counts_that_add_up_are_zeros(write_download):
    # 20 + 2 + 10 + blank = 32: the blank LTEL count is 0.  64.0% is Low (60 to < 67), change 0.0 Maintained,
    # Low x Maintained = Orange; box 10 x ((5 - 2) x 5 + 3) = 180
    rows = [_elpi_row(currltels=None),
            # a blank that hides students: 20 + blank + 10 + 0 = 30 < 32 (2 maintained, suppressed)
            _elpi_row(cds="19647256015473", currmaintained=None),
            # parts that add up to more than the total cannot be right
            _elpi_row(cds="19647256015481", currltels=5)]
    report = check_download(write_download("elpidownload2017f_test.txt", rows))
    row = report.summary.set_index("check").loc["currnumer = sum of parts"]
    assert (row["compared"], row["matched"], row["not_reproduced"]) == (3, 2, 1)
    assert any(note.startswith("1 blank count(s) among curradvanced") and "1 row(s) keep blanks that hide" in note
               for note in report.notes), report.notes
    assert report.not_reproduced["check"].tolist() == ["currnumer = sum of parts"]
    assert "parts add to 37, currnumer is 32" in report.not_reproduced["reason"].iloc[0]
    assert report.levels["colour"].tolist() == [2, 2, 2]


def test_elpi_colour_needs_thirty_testers_both_years(write_download):
    # Los Cerritos Elementary's row: 31 testers now, 19 before.  Now 18 + 0 + 4 + blank(0) = 22 of 31 + 4 = 35,
    # 62.9% (Low); before 8 + 2 + 4 + 0 = 14 of 19 + 4 = 23, 60.9%; change 62.857 - 60.870 = 1.988 -> 2.0,
    # Increased.  Low x Increased would be Yellow, but 19 testers last year: no colour, nsize_met N.
    row = _elpi_row(currtesters=31, curradvanced=18, currmaintained=0, currrfeps=4, currltels=None, currnumer=22,
                    currdenom=35, currstatus=62.9, priortesters=19, prioradvanced=8, priormaintained=2, priorrfeps=4,
                    priornumer=14, priordenom=23, priorstatus=60.9, change=2.0,
                    statuslevel=2, changelevel=4, color=0, box=0, nsize_met="N")
    report = check_download(write_download("elpidownload2017f_test.txt", [row]))
    assert report.reproduced, report.to_text()
    assert report.explained["rule"].tolist() == [
        "a colour needs 30 or more students in priortesters too (priortesters = 19)"]


def test_group_sum_that_fails_is_not_reproduced(write_download):
    rows = [{"cds": "10621660000000", "rtype": "D", "schoolname": None, "studentgroup": group, "currdenom": n,
             "currstatus": -50.0, "priordenom": n, "priorstatus": -50.0, "change": 0.0, "reportingyear": "2017f"}
            for group, n in (("EL", 40), ("ELO", 25), ("RFP", 14))]
    report = check_download(write_download("ela11download2017f_test.txt", rows))
    assert report.not_reproduced["check"].tolist() == ["EL = ELO + RFP"]
    assert "currdenom: EL 40, parts 25 + 14" in report.not_reproduced["reason"].iloc[0]


def test_status_published_under_eleven_is_not_reproduced(write_download):
    rows = [{"cds": "10621660000000", "rtype": "D", "studentgroup": "ALL", "currdenom": 10, "currstatus": -5.0,
             "priordenom": 40, "priorstatus": -6.0, "change": 1.0, "reportingyear": "2017f"}]
    report = check_download(write_download("math11download2017f_test.txt", rows))
    assert report.not_reproduced["check"].tolist() == ["currstatus shown"]


def test_high_school_cut_points_by_row(write_download):
    # From 2019 an ELA download holds every tested grade; a row flagged hscutpoints Y is scored as grade 11.
    # DFS 20.0 with ELA grades 3-8 cuts is High (10 to < 45); with grade 11 cuts Medium (0 to < 30).
    # Change 0.0 Maintained: High x M = Green (4), Medium x M = Yellow (3).
    row = {"cds": "10621660000000", "rtype": "S", "schoolname": "A", "studentgroup": "ALL", "currdenom": 100,
           "currstatus": 20.0, "priordenom": 100, "priorstatus": 20.0, "change": 0.0, "reportingyear": "2019"}
    rows = [{**row, "hscutpoints": "N", "statuslevel": 4, "changelevel": 3, "color": 4},
            {**row, "schoolname": "B", "hscutpoints": "Y", "statuslevel": 3, "changelevel": 3, "color": 3}]
    report = check_download(write_download("eladownload2019.txt", rows))
    assert report.reproduced, report.to_text()
    assert report.levels["status_level"].tolist() == [4, 3] and report.levels["colour"].tolist() == [4, 3]
    # the same rows without the flag: B's published Medium is not what the grade 3-8 cuts give
    unflagged = check_download(write_download("eladownload2019.txt", [{**r, "hscutpoints": None} for r in rows]))
    assert set(unflagged.not_reproduced["check"]) == {"statuslevel", "color"}


def test_an_unknown_download_is_refused(write_download):
    path = write_download("suspdownload2017f.txt", [{"cds": "10621660000000", "rtype": "D", "currstatus": 1.0}])
    with pytest.raises(ParameterError, match="not a Dashboard download"):
        check_download(path)


def test_a_year_with_no_rules_is_refused(write_download):
    path = write_download("chronicdownload2019.txt", [{"cds": "10621660000000", "rtype": "D", "currstatus": 1.0,
                                                       "currdenom": 40}])
    with pytest.raises(ParameterError, match="no chronic_absenteeism rules"):
        check_download(path)


def test_the_year_comes_from_reportingyear_or_the_name():
    frame = pd.DataFrame({"currstatus": [1.0], "currdenom": [40]})
    assert identify_download("chronicdownload2023.txt", frame)[1] == 2023
    assert identify_download("eladownload.txt", frame.assign(reportingyear="2019"))[1] == 2019
    with pytest.raises(ParameterError, match="no reportingyear column and no year"):
        identify_download("eladownload.txt", frame)
