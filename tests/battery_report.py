"""The bad-input battery's results table: which bad inputs are handled, printed after ``make test``.

A test wraps what it checks in :func:`checking` (or calls :func:`record`): the case is
recorded as not handled when the check starts and as handled only when it ends without a
failure, so a failing check shows "no" in the table.  ``tests/conftest.py`` registers this
module as a pytest plugin (``pytest_plugins = ["tests.battery_report"]``), whose
``pytest_terminal_summary`` hook prints the table, in the Markdown of README.md's
"Bad input and faults" section.

Groups: ``HARMONISING`` (tests/ingest/test_bad_input_battery.py), ``OUTPUTS`` (what the harmonise and
extract commands write, and every CSV: tests/ingest/test_output_faults.py), ``PACK_RUNS`` (fault
injection in meeting-pack runs, flp_inquiry/packs/batch.py: its tests record into that group),
``NAMES_IN_REPORTS`` (hostile school names, tests/packs/test_hostile_names.py),
``DASHBOARD_CHECKS`` (``flp-inquiry dashboard check`` on bad or unknown downloads, tests/test_cli_dashboard.py) and
``STATE_FILES`` (the state's TOMS score files harmonised with ``--mapping toms``, tests/ingest/test_toms_battery.py,
and the reports of a district harmonised from them, tests/packs/test_toms_pack.py).
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Callable, Iterator

import pytest

HARMONISING = "Harmonising a district's export"
OUTPUTS = "Writing harmonised folders, extracts and CSV"
PACK_RUNS = "Meeting-pack runs (batch.py)"
NAMES_IN_REPORTS = "Names from an export, in reports"
DASHBOARD_CHECKS = "Dashboard downloads (flp-inquiry dashboard check)"
STATE_FILES = "The state's score files (TOMS CAASPP and Summative ELPAC)"
GROUPS = (HARMONISING, STATE_FILES, OUTPUTS, PACK_RUNS, NAMES_IN_REPORTS, DASHBOARD_CHECKS)

#: (group, case, district) -> handled; filled as the tests run, in the order they ran.
RESULTS: dict[tuple[str, str, str], bool] = {}


def record(case: str, district: str, handled: bool, group: str = HARMONISING) -> None:
    """Record one case's outcome; a case recorded as not handled stays so for this run."""
    key = (group, case, district)
    RESULTS[key] = RESULTS.get(key, True) and handled


@contextmanager
def checking(case: str, district: str, group: str = HARMONISING) -> Iterator[None]:
    """Record ``case`` as handled if the block finishes, as not handled if it raises.

    >>> with checking("doctest case", "nowhere"):
    ...     pass
    >>> RESULTS.pop((HARMONISING, "doctest case", "nowhere"))
    True
    """
    key = (group, case, district)
    RESULTS.setdefault(key, True)
    try:
        yield
    except BaseException:
        RESULTS[key] = False
        raise


def records(case: str, district: str = "any", group: str = PACK_RUNS) -> Callable:
    """Decorate a test so its outcome is recorded as ``case`` (handled when the test passes)."""
    def decorate(test: Callable) -> Callable:
        @functools.wraps(test)  # keeps the signature, so pytest still sees the fixtures
        def run(*args, **kwargs):
            with checking(case, district, group):
                return test(*args, **kwargs)
        return run
    return decorate


def markdown_table(results: dict[tuple[str, str, str], bool] | None = None) -> list[str]:
    """The results as Markdown table lines, grouped, one row per case with its districts.

    >>> print("\\n".join(markdown_table({(HARMONISING, "a BOM", "fresno"): True,
    ...                                  (HARMONISING, "a BOM", "long_beach"): False})))
    | group | case | district | handled |
    |---|---|---|---|
    | Harmonising a district's export | a BOM | fresno | yes |
    | Harmonising a district's export | a BOM | long_beach | no |
    """
    results = RESULTS if results is None else results
    lines = ["| group | case | district | handled |", "|---|---|---|---|"]
    order = {group: i for i, group in enumerate(GROUPS)}
    cases: dict[tuple[str, str], None] = {}
    for group, case, _ in results:
        cases.setdefault((group, case))
    for group, case in sorted(cases, key=lambda gc: order.get(gc[0], len(order))):
        for (g, c, district), handled in results.items():
            if (g, c) == (group, case):
                lines.append(f"| {group} | {case} | {district} | {'yes' if handled else 'no'} |")
    return lines


def pytest_sessionfinish(session) -> None:
    """Under pytest-xdist, a worker hands its results to the controller, which prints the table."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["battery"] = [[*key, handled] for key, handled in RESULTS.items()]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    for group, case, district, handled in getattr(node, "workeroutput", {}).get("battery", []):
        record(case, district, handled, group)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the results table at the end of the test run (only when battery cases ran)."""
    if not RESULTS:
        return
    terminalreporter.section("bad input and faults")
    for line in markdown_table():
        terminalreporter.write_line(line)
    missing = [group for group in GROUPS if not any(key[0] == group for key in RESULTS)]
    for group in missing:
        terminalreporter.write_line(f"({group}: no cases recorded in this run)")
