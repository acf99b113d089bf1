"""``flp-inquiry dashboard check FILE`` on the state's real downloads and on bad ones; metrics by Dashboard group."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from flp_inquiry.cli import main
from tests.battery_report import DASHBOARD_CHECKS, records
from tests.test_cli_metrics import harmonised  # noqa: F401  (the fixture: a small harmonised district)


def _check(capsys, *files) -> tuple[int, str, str]:
    status = main(["dashboard", "check", *map(str, files)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _write(tmp_path, name, rows):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, sep="\t", index=False, na_rep="")
    return path


GRADUATION_ROW = {  # 90.0% High, +10.0 Increased Significantly: High x IS = Blue (5); box 10 x (1 x 5 + 5)
    "cds": "10621660000000", "rtype": "S", "schoolname": "Test High", "studentgroup": "ALL", "currnumer": 90,
    "currdenom": 100, "currstatus": 90.0, "priornumer": 80, "priordenom": 100, "priorstatus": 80.0, "change": 10.0,
    "statuslevel": 4, "changelevel": 5, "color": 5, "box": 100, "reportingyear": "2017f"}


def test_the_real_graduation_download_is_reproduced_column_by_column(public_dir, capsys):
    status, out, err = _check(capsys, public_dir / "graddownload2017f_fresno_longbeach.txt")
    assert status == 0, err
    assert "graddownload2017f_fresno_longbeach.txt: Graduation rate, Fall 2017" in out and "334 rows" in out
    # per published column: rows compared, published, matched by cut points and grid alone, explained by a rule
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip().startswith(("statuslevel", "changelevel", "color"))}
    assert lines["statuslevel"][-5:] == ["334", "216", "334", "0", "0"]
    assert lines["changelevel"][-5:] == ["334", "211", "331", "3", "0"]
    assert lines["color"][-5:] == ["334", "165", "330", "4", "0"]
    assert "Not reproduced: none" in out
    assert "Sunnyside High (10621661030675), HOM: color published none, cut points and grid alone give 3 Yellow -> " \
           "a colour needs 30 or more students in priordenom too (priordenom = 27)" in out


def test_every_real_download_at_once(public_dir, capsys):
    files = sorted(public_dir.glob("*download*"))
    status, out, err = _check(capsys, *files)
    assert status == 0, err
    assert out.count("Not reproduced: none") == len(files) == 5


@records("a row the rules do not give: listed as not reproduced with its flags, exit 1", group=DASHBOARD_CHECKS)
def test_a_row_not_reproduced_ends_with_1(tmp_path, capsys):
    path = _write(tmp_path, "graddownload2017f_test.txt", [{**GRADUATION_ROW, "color": 3, "dass_flag": "Y"}])
    status, out, _ = _check(capsys, path)
    assert status == 1
    assert "line 2, Test High (10621660000000), ALL: color: not reproduced: published 3 Yellow, the rules give 5 Blue" in out
    assert "alternative (DASS) school" in out


@records("a file that is not a Dashboard download: refused with the kinds known, exit 2; other files still checked",
         group=DASHBOARD_CHECKS)
def test_an_unknown_file_ends_with_2_and_the_others_are_still_checked(tmp_path, capsys):
    unknown = _write(tmp_path, "suspdownload2017f.txt", [{"cds": "10621660000000", "rtype": "D", "currstatus": 1.0}])
    good = _write(tmp_path, "graddownload2017f_test.txt", [GRADUATION_ROW])
    status, out, err = _check(capsys, unknown, good)
    assert status == 2
    assert "suspdownload2017f.txt" in err and "not a Dashboard download dashboard_indicators.yaml knows" in err
    assert "graddownload2017f_test.txt: Graduation rate" in out and "Not reproduced: none" in out


@records("text in a count column: every bad cell named by row and column, exit 2", group=DASHBOARD_CHECKS)
def test_text_in_a_count_column_ends_with_2(tmp_path, capsys):
    path = _write(tmp_path, "graddownload2017f_test.txt", [{**GRADUATION_ROW, "currdenom": "a hundred"},
                                                          {**GRADUATION_ROW, "priordenom": "n/a"}])
    status, out, err = _check(capsys, path)
    assert status == 2 and out == ""
    assert "row 2, column currdenom, value 'a hundred'" in err and "row 3, column priordenom, value 'n/a'" in err


@records("a file without cds or rtype: not a Dashboard download, exit 2", group=DASHBOARD_CHECKS)
def test_a_file_without_cds_ends_with_2(tmp_path, capsys):
    path = _write(tmp_path, "graddownload2017f_test.txt", [{"CDSCode": "10621660000000", "currstatus": 1.0}])
    status, _, err = _check(capsys, path)
    assert status == 2 and "cds" in err


@records("a Dashboard year the settings hold no rules for: refused with the years they hold, exit 2",
         group=DASHBOARD_CHECKS)
def test_a_year_without_rules_ends_with_2(tmp_path, capsys):
    path = _write(tmp_path, "graddownload2020.txt", [{**GRADUATION_ROW, "reportingyear": "2020"}])
    status, _, err = _check(capsys, path)
    assert status == 2
    assert "no graduation rules for it (graduation_2017: 2017; graduation: 2023 on)" in err


def test_a_missing_file_ends_with_2(tmp_path, capsys):
    status, _, err = _check(capsys, tmp_path / "graddownload2017f_nowhere.txt")
    assert status == 2 and "graddownload2017f_nowhere.txt" in err


def test_no_file_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["dashboard", "check"])
    assert stop.value.code == 2


def test_metrics_by_dashboard_group(harmonised, capsys):  # noqa: F811
    # every student of the fixture is English only and Hispanic: 21 in ALL, EO and HI; 4 + 10 of 21 met (66.7%)
    status = main(["metrics", "percent_met", "--district", "fresno", "--year", "2024", "--subject", "ela",
                   "--by", "dashboard_group", "--data", str(harmonised)])
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert status == 0
    assert table[["dashboard_group", "n", "value"]].values.tolist() == [["ALL", "21", "66.7"], ["EO", "21", "66.7"],
                                                                        ["HI", "21", "66.7"]]
