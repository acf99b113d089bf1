"""The privacy audit's seconds for a full-size district pack (issue 22), beside the pack's own time, as a ratio.

A synthetic district of ``--schools`` schools (90: about 65,000 students) is drawn at random, and the
tables a pack of 6 questions shows, district-wide and for every school, are made from it with the
package's own suppression (``suppress_small_cells`` with ``parts_of`` and ``complementary`` as the
notebooks pass them), plus the district's aggregate extract by five group types; then the audit
(:func:`flp_inquiry.measures.audit.audit_hidden_counts`, as a pack run does it) is timed.  The
tables are synthetic, not the notebooks' own (no kernel is started); the pack's own time is given
(``--pack-seconds``) or estimated from the sample pack's seconds per job.

    python benchmarks/bench_audit.py [--schools 90] [--pack-seconds 400]     (make bench-audit)
"""
from __future__ import annotations

import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from flp_inquiry.measures.audit import audit_hidden_counts  # noqa: E402
from flp_inquiry.measures.dashboard import round_half_away  # noqa: E402
from flp_inquiry.measures.suppression import HIDDEN, suppress_small_cells  # noqa: E402
from flp_inquiry.measures.table_meaning import Count, Rate, TableMeaning, cells_frame, partitions_frame  # noqa: E402

YEAR = 2025
EL_STATUSES = ("EL", "EO", "IFEP", "RFEP", "TBD")
EL_SHARES = (0.22, 0.50, 0.08, 0.18, 0.02)
ETHNICITIES = ("HI", "AA", "AS", "FI", "AI", "PI", "WH", "MR", "NR")
ETHNICITY_SHARES = (0.68, 0.075, 0.10, 0.006, 0.002, 0.004, 0.09, 0.025, 0.018)
LEVELS = {"ES": range(0, 6), "K8": range(0, 9), "MS": range(6, 9), "HS": range(9, 13)}
PER_GRADE = {"ES": 75, "K8": 70, "MS": 300, "HS": 420}
COURSES = {6: ["Math 6"], 7: ["Math 7"], 8: ["Math 8", "Algebra I"], 9: ["Algebra I", "Geometry", "Algebra I Honors"],
           10: ["Geometry", "Algebra II"], 11: ["Algebra II", "Pre-Calculus", "Statistics"],
           12: ["Pre-Calculus", "Statistics", "AP Calculus AB"]}
MET = {"EL": 0.10, "EO": 0.35, "IFEP": 0.40, "RFEP": 0.45, "TBD": 0.2}


def synthetic_students(schools: int = 90, seed: int = 2008, year: int = YEAR) -> pd.DataFrame:
    """One row per student of a synthetic district in ``year``: school, grade, groups and outcomes."""
    rng = np.random.default_rng(seed + year)
    n_high, n_middle, n_k8 = round(0.14 * schools), round(0.16 * schools), round(0.06 * schools)
    levels = ["HS"] * n_high + ["MS"] * n_middle + ["K8"] * n_k8 + ["ES"] * (schools - n_high - n_middle - n_k8)
    parts = []
    for number, level in enumerate(levels):
        for grade in LEVELS[level]:
            size = max(5, int(rng.normal(PER_GRADE[level], PER_GRADE[level] * 0.3)))
            parts.append(pd.DataFrame({"school": f"School {number:02d} {level}", "level": level, "grade": grade},
                                      index=range(size)))
    students = pd.concat(parts, ignore_index=True)
    n = len(students)
    el = rng.choice(EL_STATUSES, size=n, p=EL_SHARES)
    students["el_status"] = el
    students["ethnicity"] = rng.choice(ETHNICITIES, size=n, p=ETHNICITY_SHARES)
    students["sed"] = rng.random(n) < 0.85
    students["swd"] = rng.random(n) < 0.13
    students["gender"] = rng.choice(["F", "M"], size=n)
    counted = (students["grade"] <= 8) & (rng.random(n) < 0.97)  # K-8, 31 days or more
    students["counted_for_absence"] = counted
    students["chronic"] = counted & (rng.random(n) < np.where(el == "EL", 0.26, 0.2))
    tested_grade = students["grade"].between(3, 8) | (students["grade"] == 11)
    for subject, shift in (("math", 0.0), ("ela", 0.08)):
        tested = tested_grade & (rng.random(n) < 0.97)
        students[f"{subject}_tested"] = tested
        students[f"{subject}_met"] = tested & (rng.random(n) < np.array([MET[e] for e in el]) + shift)
    students["years_as_el"] = np.where(np.isin(el, ["EL", "RFEP"]), rng.choice(["0-3 years", "4-5 years", "6+ years"], size=n),
                                       "never EL")
    students["elpac_level"] = np.where(el == "EL", rng.choice([1, 2, 3, 4], size=n, p=[0.2, 0.35, 0.35, 0.1]), 0)
    course = [rng.choice(COURSES[g]) if g >= 6 else "" for g in students["grade"]]
    students["course"] = course
    students["d_or_f"] = (students["course"] != "") & (rng.random(n) < 0.3)
    cohort = students["grade"] == 12
    students["cohort"] = cohort
    students["graduated"] = cohort & (rng.random(n) < 0.85)
    students["a_g"] = students["graduated"] & (rng.random(n) < 0.5)
    students["pathway"] = np.where(rng.random(n) < 0.1, "unknown",
                                   np.where(rng.random(n) < 0.6, "Algebra 1 by grade 9", "No algebra by grade 9"))
    students["grade"] = students["grade"].astype(str)
    return students


class PackBuilder:
    """Tables of one synthetic pack, suppressed as the notebooks suppress them, as :class:`TableMeaning`."""

    def __init__(self):
        self.meanings: list[TableMeaning] = []

    def table(self, name: str, population: dict, frame: pd.DataFrame, dimensions: list[str],
              counts: dict[str, tuple[str, list[tuple[str, str, str]]]], complete: dict | None = None,
              decimals: int | None = 1, chart: bool = False, parts_of=None, complementary=None,
              total_rows: dict | None = None) -> None:
        """``counts``: count column -> (measure, [(rate column, numerator column, numerator measure)])."""
        frame = frame.reset_index(drop=True)
        if frame.empty:
            return
        shown = frame.copy()
        for column, (_, rates) in counts.items():
            for rate, numerator, _ in rates:
                shown[rate] = 100.0 * frame[numerator] / frame[column].where(frame[column] > 0)
        suppressed = shown
        for column, (_, rates) in counts.items():
            keys = list(complementary) if complementary else dimensions
            suppressed = suppress_small_cells(suppressed, n=column, values=[r for r, _, _ in rates], caution_n=None,
                                              complementary=None if chart else complementary,
                                              parts_of=None if chart else parts_of, keys=keys)
        rows = []
        for i in range(len(frame)):
            row = {d: frame[d].iat[i] for d in dimensions}
            for d, total in (total_rows or {}).items():
                if row[d] == total:
                    row[d] = "all" if d != "grade" else population.get("_span", "all")
            truth, hidden = {}, {}
            for column, (_, rates) in counts.items():
                value = suppressed[column].iat[i]
                truth[column] = float(frame[column].iat[i])
                row[column] = HIDDEN if value == HIDDEN else int(value)
                if value == HIDDEN:
                    hidden[column] = "small" if frame[column].iat[i] < 11 else "complementary"
                for rate, numerator, _ in rates:
                    rate_value = suppressed[rate].iat[i]
                    truth[rate] = float(frame[numerator].iat[i])
                    if rate_value == HIDDEN or pd.isna(rate_value):
                        row[rate] = HIDDEN if rate_value == HIDDEN else None
                    else:
                        row[rate] = float(rate_value) if decimals is None else float(np.asarray(round_half_away(pd.Series([float(rate_value)]), decimals))[0] + 0.0)
            if hidden:
                row["hidden"] = hidden
            row["_truth"] = truth
            rows.append(row)
        population = {k: v for k, v in population.items() if not k.startswith("_")}
        self.meanings.append(TableMeaning(
            name, population, dimensions, [Count(c, m) for c, (m, _) in counts.items()],
            [Rate(r, nm, c, decimals) for c, (_, rates) in counts.items() for r, _, nm in rates],
            complete or {}, rows))


def _grouped(students: pd.DataFrame, by: list[str], sums: dict[str, str]) -> pd.DataFrame:
    """Counts of ``students`` by ``by``: ``sums`` maps an output column to a boolean column (or ``"*"``: everyone)."""
    frame = students.assign(_all=True)
    columns = {out: (col if col != "*" else "_all") for out, col in sums.items()}
    if by:
        table = frame.groupby(by, sort=True)[list(set(columns.values()))].sum().reset_index()
    else:
        table = pd.DataFrame([frame[list(set(columns.values()))].sum()])
    for out, col in columns.items():
        table[out] = table[col].astype(int)
    return table[[*by, *columns]]


def _with_total(table: pd.DataFrame, unit: str, columns: list[str]) -> pd.DataFrame:
    total = {unit: "Total", **{c: int(table[c].sum()) for c in columns}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def build_pack(students: pd.DataFrame, prior: pd.DataFrame, district_name: str = "synthetic") -> list[TableMeaning]:
    """Every table of a 6-question pack: the district's reports, every school's, and the extract."""
    pack = PackBuilder()
    year = {"school_year": YEAR}
    schools = list(dict.fromkeys(students["school"]))
    for scope in ["district", *schools]:
        here = students if scope == "district" else students[students["school"] == scope]
        before = prior if scope == "district" else prior[prior["school"] == scope]
        where = {} if scope == "district" else {"school": scope}
        p = {**where, **year}
        job = f"{district_name}/{scope}"
        unit = "school" if scope == "district" else "grade"
        # common metrics
        tested = here[here["math_tested"]]
        common = pd.DataFrame([{"n": len(tested), "met": int(tested["math_met"].sum())}])
        pack.table(f"{job}/common#1", p, common, [], {"n": ("math.tested", [("value", "met", "math.met")])})
        ela = here[here["ela_tested"]]
        pack.table(f"{job}/common#2", p, pd.DataFrame([{"n": len(ela), "met": int(ela["ela_met"].sum())}]), [],
                   {"n": ("ela.tested", [("value", "met", "ela.met")])})
        counted = here[here["counted_for_absence"]]
        if len(counted):
            pack.table(f"{job}/common#3", p, pd.DataFrame([{"n": len(counted), "chronic": int(counted["chronic"].sum())}]), [],
                       {"n": ("chronic_absence.enrolled", [("value", "chronic", "chronic_absence.absent")])})
            # attendance: by student group (parts of the common figure), by grade or school (chart), achievement by attendance
            by_group = _grouped(counted, ["el_status"], {"n": "*", "chronic": "chronic"})
            pack.table(f"{job}/attendance#2", p, by_group, ["el_status"],
                       {"n": ("chronic_absence.enrolled", [("value", "chronic", "chronic_absence.absent")])},
                       complete={"el_status": "all"}, parts_of=[])
            by_unit = _grouped(counted, [unit], {"n": "*", "chronic": "chronic"})
            pack.table(f"{job}/attendance#1 (chart)", p, by_unit, [unit],
                       {"n": ("chronic_absence.enrolled", [("value", "chronic", "chronic_absence.absent")])},
                       complete={unit: "all"}, decimals=None, chart=True)
            halves = counted[counted["math_tested"]].assign(
                attendance=lambda t: np.where(t["chronic"], "Chronically absent", "Not chronically absent"))
            pack.table(f"{job}/attendance#3", {**p, "grade": "3-8"}, _grouped(halves, ["attendance"], {"n": "*"}),
                       ["attendance"], {"n": ("math.tested", [])}, parts_of=[])
        # mathematics: tested by group in the grade span, by grade (two years), marks by course, explorer tables
        span = "3-8" if here["grade"].isin([str(g) for g in range(3, 9)]).any() else "11"
        in_span = tested[tested["grade"].isin([str(g) for g in range(3, 9)] if span == "3-8" else ["11"])]
        pack.table(f"{job}/mathematics#1", {**p, "grade": span}, _grouped(in_span, ["el_status"], {"n": "*"}), ["el_status"],
                   {"n": ("math.tested", [])}, complete={"el_status": "all"}, parts_of=[])
        for when, rows in ((YEAR, tested), (YEAR - 1, before[before["math_tested"]])):
            pack.table(f"{job}/mathematics#2 (chart) {when}", {**where, "school_year": when},
                       _grouped(rows, ["grade"], {"n": "*"}), ["grade"], {"n": ("math.tested", [])},
                       complete={"grade": "all"}, chart=True)
        marked = here[here["course"] != ""]
        if len(marked):
            pack.table(f"{job}/mathematics#3", p, _grouped(marked, ["course"], {"n": "*", "df": "d_or_f"}), ["course"],
                       {"n": ("marks.given", [("value", "df", "marks.d_or_f")])}, complete={"course": "all"})
        els = tested[tested["el_status"] == "EL"]
        if len(els):
            grade = els["grade"].value_counts().idxmax()
            # the explorer's funnel: the EL students of that grade in every school of the district
            everywhere = students[students["math_tested"] & (students["el_status"] == "EL") & (students["grade"] == grade)]
            pack.table(f"{job}/mathematics#4 (funnel)", {"el_status": "EL", "grade": grade, **year},
                       _grouped(everywhere, ["school"], {"n": "*", "met": "math_met"}), ["school"],
                       {"n": ("math.tested", [("value", "met", "math.met")])}, complete={"school": "all"},
                       decimals=None, chart=True)
            halves = els[els["counted_for_absence"]].assign(
                attendance=lambda t: np.where(t["chronic"], "Chronically absent", "Not chronically absent"))
            if len(halves):
                pack.table(f"{job}/mathematics#5", {**p, "el_status": "EL", "grade": grade},
                           _grouped(halves[halves["grade"] == grade], ["attendance"], {"n": "*"}), ["attendance"],
                           {"n": ("math.tested", [])}, parts_of=[])
            if scope != "district" and span == "3-8":  # the explorer takes the gap apart by grade
                by_grade = _with_total(_grouped(els[els["grade"].isin([str(g) for g in range(3, 9)])], ["grade"], {"n": "*"}),
                                       "grade", ["n"])
                pack.table(f"{job}/root_cause#1", {**p, "el_status": "EL", "_span": "3-8"}, by_grade, ["grade"],
                           {"n": ("math.tested", [])}, complete={"grade": "3-8"}, complementary={"grade": "Total"},
                           total_rows={"grade": "Total"})
                old = before[before["math_tested"] & (before["el_status"] == "EL")]
                old = _with_total(_grouped(old[old["grade"].isin([str(g) for g in range(3, 9)])], ["grade"], {"n": "*"}),
                                  "grade", ["n"])
                pack.table(f"{job}/root_cause#2", {**where, "school_year": YEAR - 1, "el_status": "EL", "_span": "3-8"},
                           old, ["grade"], {"n": ("math.tested", [])}, complete={"grade": "3-8"},
                           complementary={"grade": "Total"}, total_rows={"grade": "Total"})
        # English learners: met by group and by years as an EL, both subjects; ELPAC levels by grade
        for subject in ("math", "ela"):
            rows = here[here[f"{subject}_tested"]]
            spec = {"n": (f"{subject}.tested", [("value", "met", f"{subject}.met")])}
            pack.table(f"{job}/english_learners#3 {subject}", p, _grouped(rows, ["el_status"], {"n": "*", "met": f"{subject}_met"}),
                       ["el_status"], spec, complete={"el_status": "all"}, parts_of=[])
            pack.table(f"{job}/english_learners#4 {subject}", p, _grouped(rows, ["years_as_el"], {"n": "*", "met": f"{subject}_met"}),
                       ["years_as_el"], spec, complete={"years_as_el": "all"}, parts_of=[])
        levels = here[here["elpac_level"] > 0]
        if len(levels):
            shares = _grouped(levels.assign(level=levels["elpac_level"]), ["grade", "level"], {"n": "*"})
            shares = shares.merge(shares.groupby("grade", as_index=False)["n"].sum().rename(columns={"n": "group_n"}), on="grade")
            pack.table(f"{job}/english_learners#1 (chart)", p, shares, ["grade", "level"],
                       {"n": ("elpac.tested", [])}, complete={"level": "all"}, chart=True)
        # college and career (high schools and the district)
        cohort = here[here["cohort"]]
        if len(cohort):
            pack.table(f"{job}/college#1", p, pd.DataFrame([{"n": len(cohort), "graduated": int(cohort["graduated"].sum())}]), [],
                       {"n": ("graduation.cohort", [("value", "graduated", "graduation.graduated")])})
            grads = cohort[cohort["graduated"] & (cohort["pathway"] != "unknown")]
            pack.table(f"{job}/college#2", p, _grouped(grads, ["pathway"], {"n": "*", "a_g": "a_g"}), ["pathway"],
                       {"n": ("graduation.graduated", [("value", "a_g", "a_g.completed")])}, parts_of=[])
            pack.table(f"{job}/college#3", p, _grouped(cohort, ["sed"], {"n": "*", "graduated": "graduated"}), ["sed"],
                       {"n": ("graduation.cohort", [("value", "graduated", "graduation.graduated")])},
                       complete={"sed": "all"}, parts_of=[])
    # the district's aggregate extract: five group types beside All, complementary against All
    for measure, subset, numerator in (("math.tested", "math_tested", "math_met"), ("ela.tested", "ela_tested", "ela_met"),
                                       ("chronic_absence.enrolled", "counted_for_absence", "chronic"),
                                       ("graduation.cohort", "cohort", "graduated")):
        rows = students[students[subset]]
        numerator_measure = {"math_met": "math.met", "ela_met": "ela.met", "chronic": "chronic_absence.absent",
                             "graduated": "graduation.graduated"}[numerator]
        for group_type in ("el_status", "ethnicity", "sed", "swd", "gender"):
            table = _grouped(rows, [group_type], {"n": "*", "k": numerator})
            table = pd.concat([table, pd.DataFrame([{group_type: "All", "n": len(rows), "k": int(rows[numerator].sum())}])],
                              ignore_index=True)
            pack.table(f"extract: {measure} by {group_type}", year, table.astype({group_type: str}), [group_type],
                       {"n": (measure, [("value", "k", numerator_measure)])}, complete={group_type: "all"},
                       decimals=None, complementary={group_type: "All"}, total_rows={group_type: "All"})
    return pack.meanings


def benchmark(schools: int = 90, seed: int = 2008, pack_seconds: float | None = None) -> dict:
    """A synthetic district pack of ``schools`` schools x 6 questions: its audit's seconds beside the pack's own."""
    started = time.perf_counter()
    students = synthetic_students(schools, seed, YEAR)
    prior = synthetic_students(schools, seed, YEAR - 1)
    meanings = build_pack(students, prior)
    cells, partitions = cells_frame(meanings), partitions_frame(meanings)
    made = time.perf_counter() - started
    result = audit_hidden_counts(cells, partitions, exact=False)
    jobs = (schools + 1) * 6
    if pack_seconds is None:  # the pack's own time: every job's seconds over two workers, as measured (see below)
        pack_seconds = jobs * SECONDS_PER_JOB / WORKERS
        source = f"estimated: {jobs} jobs x {SECONDS_PER_JOB} s a job (the sample pack's) / {WORKERS} workers"
    else:
        source = "given"
    report = {"schools": schools, "students": len(students), "tables": len(meanings), "cells": len(cells),
              "hidden_cells": int((cells["hidden"] != "").sum()), "hidden_counts": len(result.hidden),
              "relations": int(sum(result.relations.values())), "unknowns": result.unknowns,
              "components": result.components, "not_protected": int((~result.hidden["protected"]).sum()),
              "seconds_to_make_tables": round(made, 1), "audit_seconds": round(result.seconds, 2),
              "pack_seconds": round(pack_seconds, 1), "pack_seconds_source": source,
              "audit_to_pack_ratio": round(result.seconds / pack_seconds, 3)}
    return report


#: Seconds one report job takes (the sample pack's mean, 36 jobs: 1.5 s) and the workers of a pack run.
SECONDS_PER_JOB, WORKERS = 1.5, 2


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=90)
    parser.add_argument("--pack-seconds", type=float, default=None, help="the pack's own time, if measured")
    args = parser.parse_args()
    report = benchmark(args.schools, pack_seconds=args.pack_seconds)
    for key, value in report.items():
        print(f"{key:>24}: {value}")
    print(f"audit {report['audit_seconds']} s beside the pack's {report['pack_seconds']} s: "
          f"ratio {report['audit_to_pack_ratio']}")
