"""The layouts of the TOMS Student Score Data Files: their header rows by year, and the fields read.

TOMS (the state's Test Operations Management System) gives every California district the
same two student-level downloads: the CAASPP Student Score Data File (Smarter Balanced ELA
and mathematics, with CAA, CAST and CSA records) and the Summative ELPAC (and Summative
Alternate ELPAC) Student Score Data File.  Their caret-delimited form has one header row of
compact names (``RecordType^SSID^StudentLastName^...^EndofRecord``); fields move and are
renamed from year to year, so they are read **by name**.

The header rows of each layout year are data, in ``flp_inquiry/data/toms_layouts.json``
(names only, taken from the header rows of scrubbed district downloads in the public
PowerSchool ETL-Assistant-Tool repository, which agree with that repository's signature files;
``docs/toms_layouts.md`` lists what each year renamed).  A file's layout is the one whose set of
names its header has; a header matching none is refused, with the closest layout's
differences, rather than read by guesswork.  A new year's layout is added by adding its
header to the JSON file, and, when it renames a field read here, the new name to
:data:`CAASPP_FIELDS` or :data:`ELPAC_FIELDS`.

Names, birth dates and addresses are in every layout; none of them is among the fields
read (:func:`fields_read` is checked against them in the tests).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: The header rows of every known layout, in the package's data.
LAYOUTS_FILE = "toms_layouts.json"
TESTS = ("caaspp", "elpac")
#: A leading column some CAASPP downloads carry (``Preliminary`` in the one file seen): the layout is the rest.
RECORD_IDENTIFIER = "RecordIdentifier"
#: Names of fields holding a student's name, birth date or address: never read.
PERSONAL_FIELDS = re.compile(r"^Student(Last|First|Middle)Name$|^DateofBirth|^StudentAddress|^Preferred")

#: Fields of the CAASPP file read, by the name used here; each lists its header names over the
#: years (the first present in a file's header is read).  ``None`` as the last name: optional.
CAASPP_FIELDS: dict[str, tuple[str | None, ...]] = {
    "record_identifier": (RECORD_IDENTIFIER, None),              # "Preliminary" in the 364-column variant
    "record_type": ("RecordType",),
    "ssid": ("SSID",),
    "local_student_id": ("LocalStudentID", None),                 # from 2023-24
    "calpads_grade": ("CALPADSGrade",),
    "grade_assessed": ("GradeAssessed",),
    "calpads_district_code": ("CALPADSDistrictCode",),
    "calpads_school_code": ("CALPADSSchoolCode",),
    "calpads_school_name": ("CALPADSSchoolName",),
    "calpads_nps_flag": ("CALPADSNPSSchoolFlag", "NPSSchoolFlag"),  # NPSSchoolFlag in 2020-21
    "sped_accountability_district": ("SPEDAcctDist",),
    "gender": ("Gender",),
    "elas": ("ELAS",),
    "el_entry_date": ("ELEntryDate", "ELIDDate"),                 # ELIDDate in 2020-21
    "rfep_date": ("RFEPDate",),
    "economic_disadvantage": ("EconomicDisadvantageStatus",),
    # CALPADS IDEA indicator until 2022-23, CALPADS special education from 2023-24
    "disability": ("CALPADSIDEAIndicator", "CALPADSSpecialEducation"),
    "ethnicity": ("ReportingEthnicity", "EthnicityforTesting"),   # renamed in 2024-25
    "final_tested_district_code": ("FinalTestedDistrictCode",),
    "final_tested_school_code": ("FinalTestedSchoolCode",),
    "final_tested_school_name": ("FinalTestedSchoolName",),
    # spelt with spaces in 2021-22 only
    "final_tested_nps_flag": ("FinalTestedSchoolNPSFlag", "Final Tested School NPS Flag"),
    "condition_code": ("ConditionCode",),
    "attemptedness": ("Attemptedness",),
    "score_status": ("ScoreStatus",),
    "include_indicator": ("IncludeIndicator",),
    "scale_score": ("ScaleScore",),
    "achievement_level": ("AchievementLevels",),
    **{f"grade_assessed_minus_{k}": (f"GradeAssessedMinus{k}",) for k in (1, 2, 3)},
    **{f"scale_score_minus_{k}": (f"ScaleScoreMinus{k}",) for k in (1, 2, 3)},
    **{f"achievement_level_minus_{k}": (f"AchievementLevelMinus{k}",) for k in (1, 2, 3)},
    "end_of_record": ("EndofRecord",),
}

#: Fields of the Summative ELPAC file read (as :data:`CAASPP_FIELDS`).
ELPAC_FIELDS: dict[str, tuple[str | None, ...]] = {
    "record_type": ("RecordType",),
    "ssid": ("SSID",),
    "local_student_id": ("LocalStudentID",),
    "calpads_grade": ("CALPADSGrade",),
    "grade_assessed": ("GradeAssessed",),
    "calpads_district_code": ("CALPADSDistrictCode",),
    "calpads_school_code": ("CALPADSSchoolCode",),
    "calpads_school_name": ("CALPADSSchoolName",),
    "calpads_nps_flag": ("CALPADSNPSSchoolFlag", "NPSSchoolFlag"),
    "sped_accountability_district": ("SPEDAcctDist",),
    "gender": ("Gender",),
    "el_entry_date": ("ELEntryDate",),
    "el_status": ("ELStatus",),
    "elas_for_testing": ("ELASforTesting",),
    # renamed CALPADSEconomicDisadvantageStatus in 2024-25
    "economic_disadvantage": ("EconomicDisadvantageStatus", "CALPADSEconomicDisadvantageStatus"),
    "disability": ("CALPADSIDEAIndicator", "CALPADSSpecialEducation"),
    "ethnicity": ("ReportingEthnicity", "EthnicityforTesting"),
    "tested_status": ("TestedStatus",),
    "final_tested_district_code": ("FinalTestedDistrictCode",),
    "final_tested_school_code": ("FinalTestedSchoolCode",),
    "final_tested_school_name": ("FinalTestedSchoolName",),
    "final_tested_nps_flag": ("FinalTestedSchoolNPSFlag",),
    "condition_code": ("ConditionCode",),
    "attemptedness": ("Attemptedness",),
    "include_indicator": ("IncludeIndicator",),
    "overall_scale_score": ("OverallScaleScore",),
    "overall_level": ("OverallPL",),
    **{f"grade_assessed_minus_{k}": (f"GradeAssessedMinus{k}",) for k in (1, 2)},
    "grade_assessed_minus_3": ("GradeAssessedMinus3", None),       # from 2021-22
    **{f"overall_scale_score_minus_{k}": (f"OverallScaleScoreMinus{k}",) for k in (1, 2)},
    "overall_scale_score_minus_3": ("OverallScaleScoreMinus3", None),
    **{f"overall_level_minus_{k}": (f"OverallPLMinus{k}",) for k in (1, 2)},
    "overall_level_minus_3": ("OverallPLMinus3", None),
    "end_of_record": ("EndofRecord",),
}
FIELDS = {"caaspp": CAASPP_FIELDS, "elpac": ELPAC_FIELDS}


@dataclass(frozen=True)
class Layout:
    """One year's layout of one TOMS file: its header names in order.

    ``record_identifier`` is true for the variant with a leading ``RecordIdentifier`` column.
    """

    test: str
    school_year: int
    header: tuple[str, ...]
    record_identifier: bool = False

    @property
    def label(self) -> str:
        """``'CAASPP 2024-25 (401 columns)'``, as a coach reads it."""
        name = "CAASPP" if self.test == "caaspp" else "Summative ELPAC"
        return f"{name} {self.school_year - 1}-{self.school_year % 100:02d} ({len(self.header)} columns)"

    def column_of(self, field: str) -> str | None:
        """The header name holding ``field`` in this layout (``None``: the layout has none).

        >>> layout_for("caaspp", 2025).column_of("ethnicity")
        'EthnicityforTesting'
        >>> layout_for("caaspp", 2024).column_of("ethnicity")
        'ReportingEthnicity'
        """
        present = set(self.header)
        return next((name for name in FIELDS[self.test][field] if name is not None and name in present), None)

    def columns_read(self) -> dict[str, str]:
        """Header name -> field name, for every field this layout has."""
        columns = {}
        for field in FIELDS[self.test]:
            column = self.column_of(field)
            if column is not None:
                columns[column] = field
        return columns


@lru_cache(maxsize=None)
def known_layouts() -> tuple[Layout, ...]:
    """Every layout in ``toms_layouts.json``, CAASPP then ELPAC, by school year.

    >>> [layout.label for layout in known_layouts() if layout.test == "caaspp"][-2:]
    ['CAASPP 2023-24 (375 columns)', 'CAASPP 2024-25 (401 columns)']
    """
    document = json.loads((resources.files("flp_inquiry") / "data" / LAYOUTS_FILE).read_text(encoding="utf-8"))
    layouts = [Layout(entry["test"], int(entry["school_year"]), tuple(entry["header"]))
               for entry in document["layouts"]]
    return tuple(sorted(layouts, key=lambda layout: (TESTS.index(layout.test), layout.school_year)))


def layout_for(test: str, school_year: int) -> Layout:
    """The layout of ``test`` in ``school_year`` (the year it ends in).

    >>> len(layout_for("elpac", 2025).header)
    376
    """
    for layout in known_layouts():
        if layout.test == test and layout.school_year == school_year:
            return layout
    known = ", ".join(str(layout.school_year) for layout in known_layouts() if layout.test == test)
    raise KeyError(f"no {test} layout for school year {school_year} (known: {known})")


def detect_layout(header: list[str]) -> Layout | None:
    """The known layout whose names are exactly the header's (in any order), or ``None``.

    A header starting with ``RecordIdentifier`` is that column plus a known layout.

    >>> detect_layout(list(layout_for("caaspp", 2023).header)).label
    'CAASPP 2022-23 (363 columns)'
    >>> detect_layout(["RecordIdentifier", *layout_for("caaspp", 2023).header]).record_identifier
    True
    >>> detect_layout(["RecordType", "SSID"]) is None
    True
    """
    names = frozenset(header)
    with_identifier = bool(header) and header[0] == RECORD_IDENTIFIER
    rest = frozenset(header[1:]) if with_identifier else names
    for layout in known_layouts():
        if frozenset(layout.header) == rest and len(layout.header) == len(header) - with_identifier:
            return Layout(layout.test, layout.school_year, tuple(header), with_identifier)
    return None


def closest_layout(header: list[str]) -> tuple[Layout, list[str], list[str]]:
    """The known layout sharing most names with ``header``: (layout, its names missing, names not in it).

    >>> layout, missing, unexpected = closest_layout([*layout_for("caaspp", 2024).header, "NewField"])
    >>> layout.label, missing, unexpected
    ('CAASPP 2023-24 (375 columns)', [], ['NewField'])
    """
    names = set(header) - {RECORD_IDENTIFIER}

    def distance(layout: Layout) -> tuple[int, int]:
        return (len(names.symmetric_difference(layout.header)), -layout.school_year)

    best = min(known_layouts(), key=distance)
    missing = [name for name in best.header if name not in names]
    unexpected = [name for name in header if name not in set(best.header) and name != RECORD_IDENTIFIER]
    return best, missing, unexpected


def fields_read(layout: Layout) -> list[str]:
    """The header names read from a file of ``layout`` (never a name, birth date or address).

    >>> "StudentLastName" in fields_read(layout_for("caaspp", 2025))
    False
    """
    return list(layout.columns_read())
