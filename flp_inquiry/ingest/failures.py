"""A canonical rule broken, said at the export's own cell: file, row, the source column and its value.

pandera's failure cases name canonical columns and row indexes; :func:`translate_failures`
turns each into a :class:`~flp_inquiry.errors.Problem` at the file and spreadsheet row the row
came from, naming the export's column (:func:`source_column`: a mapping's column, a wide
table's block column, or the state's header name of that year), so a data coach sees where to
fix it.
"""
from __future__ import annotations

import re

import pandas as pd

from flp_inquiry.errors import Problem
from flp_inquiry.ingest.mapping import TableSpec
from flp_inquiry.ingest.readers import FILE, ROW, SOURCE_OF
from flp_inquiry.ingest.schema import columns_of, optional_columns_of


def translate_failures(failures: pd.DataFrame, converted: pd.DataFrame,
                        spec: TableSpec) -> list[tuple[Problem, bool]]:
    """pandera failure cases -> (problem with the export's file, row, column and value, is a whole-row rule)."""
    problems = []
    table_checks = failures["schema_context"] == "DataFrameSchema"
    for check, column, value, index in failures.loc[~table_checks, ["check", "column", "failure_case", "index"]].itertuples(index=False):
        if index is None or pd.isna(index):
            problems.append((Problem(spec.source, None, source_column(spec, column), None,
                                     f"does not meet the canonical {column} rule {check}"), False))
            continue
        row = converted.loc[index]
        problems.append((Problem(row[FILE], int(row[ROW]), source_column(spec, column, row), value,
                                 f"does not meet the canonical {column} rule {check}"), False))
    for check, index in failures.loc[table_checks, ["check", "index"]].drop_duplicates().itertuples(index=False):
        # a whole-row rule: name the columns its message is about, with their values
        row = converted.loc[index]
        involved = [c for c in [*columns_of(spec.name), *optional_columns_of(spec.name)]
                    if c in row.index and re.search(rf"\b{c}\b", str(check))]
        values = ["blank" if pd.isna(row[c]) else
                  row[c].date().isoformat() if isinstance(row[c], pd.Timestamp) else str(row[c])
                  for c in involved]
        problems.append((Problem(row[FILE], int(row[ROW]), ", ".join(source_column(spec, c, row) for c in involved),
                                 ", ".join(values), str(check)), True))
    return problems


def source_column(spec: TableSpec, canonical: str, row: pd.Series | None = None) -> str:
    """The export column a canonical column comes from (on ``row`` for a wide table's blocks, or a state file's year).

    >>> from flp_inquiry.ingest.mapping import load_mapping
    >>> spec = load_mapping("fresno").tables["enrollment"]
    >>> source_column(spec, "grade"), source_column(spec, "grade", pd.Series({"_source:grade": "GradeLevel"}))
    ('Grade', 'GradeLevel')
    """
    if row is not None and SOURCE_OF + canonical in row.index:
        return row[SOURCE_OF + canonical]
    if spec.kind == "toms" and canonical == "student_key":
        return spec.student_id
    return spec.columns.get(canonical, {}).get("column", canonical)
