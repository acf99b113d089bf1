"""Reading a rendered report as a careful principal would: does every sentence hold for that school?

Used by tests/packs/test_report_consistency.py on every report of a pack.  Each check returns the
problems it finds, in words, so a failing test says which report and which sentence.

- **Scope**: a school's report names no grade the school has no students in (``Grade 7``,
  ``Grades 3-8``, ``kindergarten``), in its sentences or its tables.
- **Verdicts**: every hypothesis (a bullet that starts "If ...") carries a verdict.
- **Arithmetic**: every change and every difference a sentence states is the difference of the two
  figures it joins (``data-between``), to the 0.1 the report's footer allows.
- **Traceability**: every figure a sentence states is in a table of the same report, or in the data
  of one of its charts (read from the executed notebook).
- **Pointers**: every link to a table leads to a table the report shows; no sentence points at a
  table "above" or "below" in words.
- **Funnels**: a funnel plot has at least five units.
- **Language**: no causal wording from a difference.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

from flp_inquiry.inquiry.claims import VERDICTS
from flp_inquiry.packs.figures import chart_spec

_GRADE = re.compile(r"\b(?:Grades (TK|K|\d{1,2})-(\d{1,2})|Grade (\d{1,2}))\b")
_KINDERGARTEN = re.compile(r"\b(transitional kindergarten|kindergarten)\b")
_NUMBER = re.compile(r"^[-+]?\d[\d,]*\.?\d*%?$")
_POINTER_WORDS = re.compile(r"\b(table|chart|figures?) (above|below)\b|supports or rules (this|it) out", re.IGNORECASE)
#: Words that claim a cause from a difference (the reports describe, and say what would test a cause).
CAUSAL = re.compile(r"\b(drives?|caused by|because of|is due to|leads to|results in|do(es)? differently|"
                    r"in students' experience|not in how it was counted)\b", re.IGNORECASE)


def _grade_number(text: str) -> int:
    return {"TK": -1, "K": 0}.get(text, None) if text in ("TK", "K") else int(text)


def page(path: Path) -> BeautifulSoup:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for svg in soup.find_all("svg"):
        svg.decompose()
    return soup


def fact(soup: BeautifulSoup, label: str) -> str:
    for item in soup.select(".facts div"):
        if item.dt.get_text(strip=True) == label:
            return item.dd.get_text(strip=True)
    return ""


def sentences(soup: BeautifulSoup) -> list[str]:
    return [element.get_text(" ", strip=True) for element in soup.select(".prose li, .prose p")]


def table_numbers(soup: BeautifulSoup) -> set[float]:
    numbers = set()
    for cell in soup.select("table td, table th"):
        text = cell.get_text(strip=True).replace(",", "").rstrip("%")
        for part in re.split(r"\s+to\s+", text):
            part = part.strip().rstrip("%")
            if _NUMBER.match(part):
                numbers.add(round(float(part), 1))
    return numbers


def chart_numbers(executed: Path | None) -> set[float]:
    """Every number in the data of the notebook's charts (the report draws them as SVG)."""
    if executed is None or not executed.is_file():
        return set()
    numbers = set()
    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            spec = chart_spec(output.get("data", {}))
            if spec is None:
                continue
            rows = [*spec.get("data", {}).get("values", []),
                    *(row for dataset in spec.get("datasets", {}).values() for row in dataset)]
            for row in rows:
                for value in row.values():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        numbers.add(round(float(value), 1))
    return numbers


def _the_year_before(grade: int, grades: set[int], context: str) -> bool:
    """A grade just below the school's lowest, named as where its students were last year (a matched cohort)."""
    return grade + 1 in grades and ("last year" in context or f"Grade {grade + 1}" in context)


def scope_problems(soup: BeautifulSoup, grades: set[int]) -> list[str]:
    """Grades named in a school's report that the school has no students in.

    The grade below the school's lowest is allowed where the students are followed from last year:
    "English learners now at the school who were in Grade 5 last year", a column "DFS in Grade 5"
    beside "DFS in Grade 6".
    """
    problems = []
    texts = [(text, text) for text in sentences(soup)]
    for row in soup.select("table tr"):
        context = row.get_text(" ", strip=True)
        texts += [(cell.get_text(" ", strip=True), context) for cell in row.select("td, th")]
    for text, context in texts:
        for match in _GRADE.finditer(text):
            if match.group(3):
                named = {int(match.group(3))}
                if not named <= grades and _the_year_before(int(match.group(3)), grades, context):
                    continue
            else:
                first, last = _grade_number(match.group(1)), int(match.group(2))
                named = {first, last}
                if not set(range(first, last + 1)) <= grades | set(range(min(grades, default=0), max(grades, default=0) + 1)):
                    problems.append(f"{match.group()} (the school has grades {sorted(grades)}): {text[:160]}")
                    continue
            if not named <= grades:
                problems.append(f"{match.group()} (the school has grades {sorted(grades)}): {text[:160]}")
        for match in _KINDERGARTEN.finditer(text):
            grade = -1 if match.group(1).startswith("transitional") else 0
            if grade not in grades:
                problems.append(f"{match.group()} (the school has grades {sorted(grades)}): {text[:160]}")
    return problems


def verdict_problems(soup: BeautifulSoup) -> list[str]:
    problems = []
    for item in soup.select(".prose li"):
        text = item.get_text(" ", strip=True)
        if text.startswith("If ") and "hypothesis" not in (item.get("class") or []):
            problems.append(f"a hypothesis without a verdict: {text[:160]}")
        elif "hypothesis" in (item.get("class") or []) and item.get("data-verdict") not in VERDICTS:
            problems.append(f"a hypothesis with verdict {item.get('data-verdict')!r}: {text[:160]}")
    return problems


def arithmetic_problems(soup: BeautifulSoup) -> list[str]:
    problems = []
    for span in soup.select("span.figure[data-between]"):
        first, second = (float(v) for v in span["data-between"].split())
        stated = float(span["data-value"])
        worked_out = second - first
        sentence = span.find_parent(["li", "p"]).get_text(" ", strip=True)[:200]
        if abs(abs(worked_out) - abs(stated)) > 0.05 + 1e-9:
            problems.append(f"{span.get_text()} is not {second:g} - {first:g}: {sentence}")
        words = span.get_text()
        if (("up" in words or "higher" in words) and worked_out < 0) or (("down" in words or "lower" in words) and worked_out > 0):
            problems.append(f"{words} says the wrong direction for {second:g} - {first:g}: {sentence}")
        printed = [round(float(s["data-value"]), 1) for s in span.find_parent(["li", "p"]).select('span.figure[data-kind="value"]')]
        if printed and len(printed) >= 2 and not any(abs(abs(b - a) - abs(stated)) <= 0.1 + 1e-9
                                                    for a in printed for b in printed):
            problems.append(f"{words} is more than 0.1 away from the figures printed beside it: {sentence}")
    return problems


def traceability_problems(soup: BeautifulSoup, executed: Path | None) -> list[str]:
    known = table_numbers(soup) | chart_numbers(executed)
    problems = []
    for span in soup.select('span.figure[data-kind="value"], span.figure[data-kind="count"]'):
        value = round(float(span["data-value"]), 1)
        if not any(abs(value - number) <= 0.05 + 1e-9 for number in known):
            sentence = span.find_parent(["li", "p"]).get_text(" ", strip=True)[:200]
            problems.append(f"{span.get_text()} is in no table or chart of the report: {sentence}")
    return problems


def pointer_problems(soup: BeautifulSoup) -> list[str]:
    problems = []
    ids = {element.get("id") for element in soup.select("table[id], figure[id], caption[id]")}
    for link in soup.select("a.see"):
        target = link.get("href", "").removeprefix("#")
        if target not in ids:
            problems.append(f"a pointer to a table the report does not show: {link.get_text()} (#{target})")
    for text in sentences(soup):
        if _POINTER_WORDS.search(text):
            problems.append(f"a pointer in words, not to a table: {text[:160]}")
    return problems


def funnel_problems(soup: BeautifulSoup) -> list[str]:
    problems = []
    for caption in soup.select("figure.chart figcaption"):
        text = caption.get_text(" ", strip=True)
        if text.startswith("Funnel plot"):
            shown = re.search(r"of the (\d+) \w+ shown", text)
            if not shown or int(shown.group(1)) < 5:
                problems.append(f"a funnel plot with fewer than five units: {text[:160]}")
    return problems


def language_problems(soup: BeautifulSoup) -> list[str]:
    return [f"causal wording: {text[:160]}" for text in sentences(soup) if CAUSAL.search(text)]


def read_report(path: Path, executed: Path | None, grades: set[int] | None) -> dict[str, list[str]]:
    """Every problem of one report, by check (``grades``: the school's, or None for a district-wide report)."""
    soup = page(path)
    found = {
        "verdicts": verdict_problems(soup), "arithmetic": arithmetic_problems(soup),
        "traceability": traceability_problems(soup, executed), "pointers": pointer_problems(soup),
        "funnels": funnel_problems(soup), "language": language_problems(soup),
        "scope": scope_problems(soup, grades) if grades is not None else [],
    }
    return {check: problems for check, problems in found.items() if problems}


def json_report(problems: dict[str, dict[str, list[str]]]) -> str:
    return json.dumps(problems, indent=1)[:20000]
