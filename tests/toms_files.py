"""Small hand-made TOMS score files for the tests: records given by field, written in any layout year.

A record gives fields by the names of ``flp_inquiry.ingest.toms.layouts`` (``"scale_score"``), each
written under that year's header name; ``"_raw"`` gives header names directly.  Columns not
given are blank, as in a real download.
"""
from __future__ import annotations

from pathlib import Path

from flp_inquiry.ingest.toms.layouts import layout_for

DISTRICT_CDS = "99000010000000"
SCHOOL_A = "99000016000001"
SCHOOL_B = "99000016000002"
NAME_A, NAME_B = "Sample A Elementary", "Sample B Elementary"
CAASPP_2025 = "99000010000000_CAASPP_Student_Score_Data_File_TestedStudentScoreData_2025_DLMTR.CSV"
CAASPP_2022 = "99000010000000_CAASPP_Student_Score_Data_File_TestedStudentScoreData_2022_DLMTR.CSV"
ELPAC_2025 = ("99000010000000_Summative_ELPAC_and_Summative_Alternate_ELPAC_Student_Score_Data_File_"
              "TestedStudentScoreData_2025_DLMTR.CSV")

#: A plain scored Smarter Balanced ELA record in grade 5 at school A.
CAASPP_DEFAULTS = {
    "record_type": "01", "ssid": "0000000001", "calpads_grade": "05", "grade_assessed": "05",
    "calpads_district_code": DISTRICT_CDS, "calpads_school_code": SCHOOL_A, "calpads_school_name": NAME_A,
    "calpads_nps_flag": "N", "gender": "F", "elas": "EO", "economic_disadvantage": "Yes", "disability": "No",
    "ethnicity": "500", "final_tested_district_code": DISTRICT_CDS, "final_tested_school_code": SCHOOL_A,
    "final_tested_school_name": NAME_A, "final_tested_nps_flag": "N", "condition_code": "",
    "attemptedness": "Y", "score_status": "V", "include_indicator": "Y", "scale_score": "2502",
    "achievement_level": "3", "end_of_record": "ZZ",
}
#: A plain scored Summative ELPAC record in grade 3 at school A.
ELPAC_DEFAULTS = {
    "record_type": "21", "ssid": "0000000101", "calpads_grade": "03", "grade_assessed": "03",
    "calpads_district_code": DISTRICT_CDS, "calpads_school_code": SCHOOL_A, "calpads_school_name": NAME_A,
    "calpads_nps_flag": "N", "gender": "M", "el_status": "Yes", "elas_for_testing": "EL", "el_entry_date": "2019-08-20",
    "economic_disadvantage": "Yes", "disability": "No", "ethnicity": "500", "tested_status": "Y",
    "final_tested_district_code": DISTRICT_CDS, "final_tested_school_code": SCHOOL_A,
    "final_tested_school_name": NAME_A, "final_tested_nps_flag": "N", "condition_code": "",
    "attemptedness": "Y", "include_indicator": "Y", "overall_scale_score": "1500", "overall_level": "3",
    "end_of_record": "ZZ",
}


def toms_lines(test: str, school_year: int, records: list[dict]) -> list[str]:
    """The header and record lines of a file of ``test`` (caaspp, elpac) in ``school_year``'s layout."""
    layout = layout_for(test, school_year)
    defaults = CAASPP_DEFAULTS if test == "caaspp" else ELPAC_DEFAULTS
    lines = ["^".join(layout.header)]
    for record in records:
        values = dict.fromkeys(layout.header, "")
        for field, value in {**defaults, **{k: v for k, v in record.items() if k != "_raw"}}.items():
            column = layout.column_of(field)
            if column is not None:
                values[column] = value
        values.update(record.get("_raw", {}))
        lines.append("^".join(values[name] for name in layout.header))
    return lines


def write_toms(folder: Path, name: str, test: str, school_year: int, records: list[dict], *,
               line_break: str = "\n", final_line_break: bool = False, bom: bool = False) -> Path:
    """A TOMS file in ``folder`` (as TOMS writes them: no final line break, unless asked)."""
    text = line_break.join(toms_lines(test, school_year, records)) + (line_break if final_line_break else "")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# -- the district worked out by hand (tests/ingest/test_toms_tables.py, tests/measures/test_state_rules.py) -----
#
# The CAASPP file: ELA, grade 5 (cut scores ELA 5: level 2 from 2442, level 3 from 2502, level 4 from 2582;
# LOSS 2200; specs/state-files.md section 4).  School A = ...6000001, school B = ...6000002.
#
# | row | student | record | include | score | CALPADS school | final tested school | note |
# |---|---|---|---|---|---|---|---|
# | 2 | s1 | SB ELA | Y | 2502 (L3) | A | A | |
# | 3 | s2 | SB ELA | Y | 2442 (L2) | A | A | |
# | 4 | s3 | SB ELA | Y | 2600 (L4) | B | A | mover: counts at A |
# | 5 | s4 | SB ELA | T (LOSS) | 2200 (L1) | A | A | tested, no valid score |
# | 6 | s5 | SB ELA | E (NEL) | - | A | A | EL exempt: not enrolled for ELA |
# | 7 | s6 | SB ELA | N (PGE) | - | A | A | enrolled, not tested |
# | 8 | s7 | SB ELA | R (invalidated) | - | B | B | tested, no valid score |
# | 9 | s8 | CAA ELA | Y | 545 (L3) | A | A | CAA: must not count |
# | 10 | s9 | SB ELA | Y | 2400 (L1) | B | B | |
# | 11 | s10 | SB ELA | Y | 2550 (L3) | A | NPS, accountable 9900001 | the district only |
# | 12 | s11 | SB ELA | Y | 2700 (L4) | A | another district's school | counts nowhere here |
# | 13 | s1 | SB math | Y | 2528 (L3, math 5 L3 = 2528) | A | A | |
#
# The ELPAC file: s5 (grade 5: level 3 from 1514) Y 1520 (L3); in grade 3: s21 T (attemptedness P, NS),
# s22 N (NT), s23 the Summative Alternate ELPAC (record type 23): kept apart.
OTHER_DISTRICT_SCHOOL = "99000036000001"
NPS_SCHOOL = "99000020999001"


def hand_worked_caaspp(school_year: int = 2025) -> list[dict]:
    b = {"calpads_school_code": SCHOOL_B, "calpads_school_name": NAME_B}
    at_b = {"final_tested_school_code": SCHOOL_B, "final_tested_school_name": NAME_B}
    none = {"scale_score": "", "achievement_level": "9", "score_status": "", "attemptedness": "N"}
    return [
        {"ssid": "0000000001", "scale_score": "2502", "achievement_level": "3"},
        {"ssid": "0000000002", "scale_score": "2442", "achievement_level": "2"},
        {"ssid": "0000000003", "scale_score": "2600", "achievement_level": "4", **b},
        {"ssid": "0000000004", "include_indicator": "T", "condition_code": "LOSS", "attemptedness": "P",
         "scale_score": "2200", "achievement_level": "1"},
        {"ssid": "0000000005", "include_indicator": "E", "condition_code": "NEL", "elas": "EL",
         "el_entry_date": f"{school_year - 1}-08-20", **none},
        {"ssid": "0000000006", "include_indicator": "N", "condition_code": "PGE", **none},
        {"ssid": "0000000007", "include_indicator": "R", "score_status": "I", "scale_score": "",
         "achievement_level": "9", **b, **at_b},
        {"ssid": "0000000008", "record_type": "03", "scale_score": "0545", "achievement_level": "3"},
        {"ssid": "0000000009", "scale_score": "2400", "achievement_level": "1", **b, **at_b},
        {"ssid": "0000000010", "scale_score": "2550", "achievement_level": "3", "final_tested_school_code": NPS_SCHOOL,
         "final_tested_nps_flag": "Y", "sped_accountability_district": "9900001", "disability": "Yes"},
        {"ssid": "0000000011", "scale_score": "2700", "achievement_level": "4",
         "final_tested_district_code": "99000030000000", "final_tested_school_code": OTHER_DISTRICT_SCHOOL},
        {"ssid": "0000000001", "record_type": "02", "scale_score": "2528", "achievement_level": "3"},
    ]


def hand_worked_elpac(school_year: int = 2025) -> list[dict]:
    return [
        {"ssid": "0000000005", "overall_scale_score": "1520", "overall_level": "3", "calpads_grade": "05",
         "grade_assessed": "05", "el_entry_date": f"{school_year - 1}-08-20"},
        {"ssid": "0000000021", "include_indicator": "T", "attemptedness": "P", "overall_scale_score": "NS",
         "overall_level": "NS"},
        {"ssid": "0000000022", "include_indicator": "N", "condition_code": "NT", "tested_status": "N",
         "attemptedness": "", "overall_scale_score": "", "overall_level": ""},
        {"ssid": "0000000023", "record_type": "23", "overall_scale_score": "", "overall_level": "2",
         "disability": "Yes"},
    ]


def write_hand_worked(folder: Path, caaspp_year: int = 2025, elpac_year: int = 2025) -> Path:
    """The hand-worked district's two files (any layout years) in ``folder``."""
    write_toms(folder, f"caaspp_{caaspp_year}.CSV", "caaspp", caaspp_year, hand_worked_caaspp(caaspp_year))
    write_toms(folder, f"elpac_{elpac_year}.CSV", "elpac", elpac_year, hand_worked_elpac(elpac_year))
    return folder
