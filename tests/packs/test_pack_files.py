"""Pack files and parameters from a hostile or careless hand: limits, time limits, titles, values, paths, file names.

Everything here is refused (or named safely) before any job runs; only the last tests start kernels
(the tiny notebooks in ``fixtures/pack_notebooks``).
"""
from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.packs.batch import run_pack
from flp_inquiry.packs.pack import (
    MAX_PACK_BYTES,
    PackError,
    expand_pack,
    load_pack,
    read_pack_file,
    school_slugs,
    with_command_line,
)
from tests.battery_report import records
from tests.packs.test_batch import ALLOWED, make_pack, statuses

PROJECT_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def write(tmp_path: Path, text: str | bytes, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def pack_yaml(tmp_path: Path, **changes) -> str:
    return json.dumps(make_pack(tmp_path, **changes))  # JSON is YAML


# --- reading a pack file with limits --------------------------------------------------------------

def billion_laughs(levels: int = 9) -> str:
    """The classic: ten aliases of ten aliases of ... ten strings, 10**levels values once expanded."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\ntitle: laughs\n"


@records("a pack file with a billion laughs (YAML aliases of aliases): refused at once, memory kept small")
def test_a_billion_laughs_is_refused_before_it_is_walked(tmp_path):
    path = write(tmp_path, billion_laughs())
    tracemalloc.start()
    with pytest.raises(PackError, match="expands to more than 100000 values once its YAML aliases"):
        load_pack(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # 10**9 values expanded would take gigabytes; the file is 9 nodes of 10 aliases
    assert peak < 20_000_000, peak


@records("a pack file with an alias inside itself (&a [*a]), nested 10,000 deep, over 1 MB, or not UTF-8: one clear error")
@pytest.mark.parametrize("content, message", [
    ("schools: &a [all, *a]\n", "a YAML alias refers to the list or mapping it is in (line 1)"),
    ("schools: " + "[" * 10_000 + "]" * 10_000 + "\n", "nests lists and mappings more than 20 deep (line 1)"),
    ("a: " + "{b: " * 30 + "1" + "}" * 30 + "\n", "nests lists and mappings more than 20 deep"),
    (b"title: caf\xe9\n", "is not UTF-8 text (byte 11): save it as UTF-8"),
    ("title: x\n" + "#" * MAX_PACK_BYTES, "is more than 1 MB: it is not a pack file"),
    ("!!python/object/apply:os.system [echo hi]\n", "is not valid YAML"),
    ("school_year: " + "9" * 5000 + "\n", "holds a value that cannot be read"),
    ("", "is empty"),
    ("- a list\n", "must be a mapping of keys"),
    ("a: 1\n---\nb: 2\n", "is not valid YAML"),
])
def test_hostile_pack_files_are_refused_with_one_clear_error(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(PackError) as refused:
        read_pack_file(path)
    assert message in str(refused.value)
    assert str(path) in str(refused.value)


def test_aliases_within_the_limits_are_read_as_written(tmp_path):
    """A coach may share a list between districts with an anchor: that is no billion laughs."""
    text = (f"title: Shared\nschool_year: 2025\ndistricts: [fresno, long_beach]\noutput: {tmp_path / 'out'}\n"
            "schools:\n  fresno: &same [all]\n  long_beach: *same\n")
    pack = load_pack(write(tmp_path, text))
    assert pack.schools == {"fresno": ["all"], "long_beach": ["all"]}


# --- values in the pack file ---------------------------------------------------------------------

@records("a timeout that is not a finite positive number (inf, nan, 0, negative, text, true): refused")
@pytest.mark.parametrize("timeout", [".inf", ".nan", "-.inf", "0", "-5", '"600"', "true", "1.0e+9", "[600]", "~"])
def test_a_timeout_must_be_a_finite_positive_number(tmp_path, timeout):
    text = f"school_year: 2025\ndistricts: [fresno]\noutput: out\ntimeout: {timeout}\n"
    with pytest.raises(PackError, match="timeout must be a number of seconds more than 0 and at most 86400"):
        load_pack(write(tmp_path, text))


def test_a_timeout_of_a_few_seconds_or_a_whole_number_is_kept():
    base = {"school_year": 2025, "districts": ["fresno"], "output": "out"}
    assert load_pack({**base, "timeout": 2.5}).timeout == 2.5
    assert load_pack({**base, "timeout": 600}).timeout == 600.0


@records("a title with control characters, a line break or a bidirectional override: refused, naming the character")
@pytest.mark.parametrize("title, shown", [
    ("March\x1b[31m meeting", "U+001B at character 6"), ("March\nmeeting", "U+000A at character 6"),
    ("March\u202emeeting", "U+202E at character 6"), ("\x00", "U+0000 at character 1"),
    ("March\x85meeting", "U+0085 at character 6"),
])
def test_a_title_with_control_characters_is_refused(title, shown):
    with pytest.raises(PackError) as refused:
        load_pack({"title": title, "school_year": 2025, "districts": ["fresno"], "output": "out"})
    assert shown in str(refused.value) and "a title is one line of plain text" in str(refused.value)


def test_a_plain_title_is_kept_and_trimmed():
    base = {"school_year": 2025, "districts": ["fresno"], "output": "out"}
    assert load_pack({**base, "title": "  Réunion de mars: <b>&</b> 'x'  "}).title == "Réunion de mars: <b>&</b> 'x'"
    with pytest.raises(PackError, match="title is 201 characters long; at most 200"):
        load_pack({**base, "title": "x" * 201})


@pytest.mark.parametrize("changes, message", [
    ({"kernel": "../../python"}, "kernel must be a kernel's name"),
    ({"school_year": "2025"}, "school_year must be the year the school year ends"),
    ({"school_year": True}, "school_year must be the year the school year ends"),
    ({"districts": [["fresno"]]}, "districts must be a district's name or a list of them"),
    ({"output": ["a", "b"]}, "output must be a folder's path"),
    ({"data": "harmonised\x00"}, "control character"),
])
def test_other_wrong_values_in_a_pack_are_refused(tmp_path, changes, message):
    with pytest.raises((PackError, ParameterError), match=message):
        load_pack(make_pack(tmp_path, **changes))


@records("absolute output and data folders: allowed (as the README says); a '..' step or control character: refused")
def test_absolute_and_relative_folders_are_allowed_but_no_dot_dot(tmp_path):
    absolute = load_pack(make_pack(tmp_path))  # make_pack gives absolute folders
    assert absolute.output.is_absolute() and absolute.data.is_absolute() and absolute.notebooks.is_absolute()
    relative = load_pack(make_pack(tmp_path, output="build/packs/march", data="build/harmonised"))
    assert relative.output == Path("build/packs/march")
    assert with_command_line(relative, {}, output=str(tmp_path / "elsewhere")).output == tmp_path / "elsewhere"
    for changes in ({"output": f"{tmp_path}/../escape"}, {"data": "../data"}, {"notebooks": "a/../../b"}):
        with pytest.raises(ParameterError, match="'..' path step"):
            load_pack(make_pack(tmp_path, **changes))
    with pytest.raises(ParameterError, match="'..' path step"):
        with_command_line(relative, {}, output="/srv/../etc")


# --- -p values ---------------------------------------------------------------------------------

@records("a -p value that no notebook accepts (-p subject science, -p grade 13): refused before anything runs")
@pytest.mark.parametrize("values, message", [
    ({"subject": "science"}, "subject = 'science' is not allowed. Allowed values: ela, math"),
    ({"metric": "mean"}, "metric = 'mean' is not allowed. Allowed values: dfs, percent_met, chronic_absence"),
    ({"group_type": "school"}, "Allowed values: el_status, ethnicity, sed, swd, gender"),
    ({"group": "ELL"}, "group = 'ELL' is not allowed. Allowed values: EL, EO, IFEP, RFEP, TBD"),
    ({"group_type": "sed", "group": "EL"}, "group = 'EL' is not allowed. Allowed values: False, True"),
    ({"grade": "13"}, "grade = '13' is not allowed. Allowed values: auto, all, 3, 4, 5, 6, 7, 8, 11"),
    ({"metric": "chronic_absence", "grade": "11"}, "grade = '11' is not allowed. Allowed values: auto, all, 0, 1, 2"),
    ({"subject": "ma\nth"}, "control character"),
])
def test_a_command_line_value_no_notebook_accepts_stops_the_run_before_it_starts(tmp_path, values, message):
    pack = load_pack(make_pack(tmp_path, notebooks=str(PROJECT_NOTEBOOKS), questions=["root_cause_explorer", "mathematics"]))
    with pytest.raises(ParameterError) as refused:
        run_pack(with_command_line(pack, values), allowed=ALLOWED, progress=False)
    assert message in str(refused.value)
    assert not (tmp_path / "out").exists()  # nothing ran, nothing was written


def test_values_the_notebooks_accept_reach_them(tmp_path):
    pack = with_command_line(load_pack(make_pack(tmp_path, notebooks=str(PROJECT_NOTEBOOKS),
                                                 questions=["root_cause_explorer", "mathematics"],
                                                 parameters={"metric": "chronic_absence"})),
                             {"group_type": "sed", "group": "True", "grade": "0", "subject": "ela"})
    explorer, mathematics = expand_pack(pack, ALLOWED)
    assert {name: explorer.parameters[name] for name in ("metric", "group_type", "group", "grade", "subject")} == {
        "metric": "chronic_absence", "group_type": "sed", "group": "True", "grade": "0", "subject": "ela"}
    assert mathematics.parameters["subject"] == "ela" and "grade" not in mathematics.parameters


# --- school names as file names ----------------------------------------------------------------

#: Names as a district's export might hold them, with the schools' CDS codes (the district's: 1062166).
HOSTILE_SCHOOLS = {
    "Lincoln Elementary": "10621660801234",
    "LINCOLN ELEMENTARY": "10621660805678",       # the same file name as the first: told apart by code
    "All": "10621660990001",                      # the pack's word for every school
    "District": "10621660990002",                 # the district-wide report's file name
    "index": "10621660990003",
    "../../../etc/passwd": "10621660990004",
    'C:\\Schools\\"Quoted"\x1b[31m\tTab': "10621660990005",
    "Académie " + "très longue " * 25: "10621660990006",   # 300 characters
    "Académie " + "très longue " * 25 + "!": "10621660990007",  # the same first 60 characters
    "   ": "10621660990008",
}


@records("two schools whose names give one file name, or a name that is a reserved word, has path characters, "
         "'..', quotes, control characters or 300 characters: each its own safe, bounded report file")
def test_every_school_gets_its_own_safe_bounded_file_name():
    slugs = school_slugs(["all", *HOSTILE_SCHOOLS], HOSTILE_SCHOOLS)
    assert slugs["all"] == "district"
    assert slugs["Lincoln Elementary"] == "lincoln-elementary-0801234"
    assert slugs["LINCOLN ELEMENTARY"] == "lincoln-elementary-0805678"
    assert slugs["All"] == "all-0990001" and slugs["District"] == "district-0990002"
    assert slugs["index"] == "index-0990003"
    assert slugs["../../../etc/passwd"] == "etc-passwd"
    assert slugs['C:\\Schools\\"Quoted"\x1b[31m\tTab'] == "c-schools-quoted-31m-tab"
    long_names = [name for name in HOSTILE_SCHOOLS if name.startswith("Académie")]
    assert [slugs[name] for name in long_names] == [
        "academie-tres-longue-tres-longue-tres-longue-tres-longue-0990006",
        "academie-tres-longue-tres-longue-tres-longue-tres-longue-0990007"]
    assert slugs["   "] == "school"
    assert len(set(slugs.values())) == len(slugs)
    assert all(len(slug) <= 60 + 8 and slug.replace("-", "").isalnum() and slug.isascii() for slug in slugs.values())


def test_without_codes_two_schools_of_one_file_name_are_numbered():
    assert school_slugs(["O'Brien", "O Brien", "all"]) == {"O'Brien": "o-brien-school", "O Brien": "o-brien-school-2",
                                                           "all": "district"}


def test_a_school_keeps_its_file_name_in_every_pack(tmp_path):
    """Names are worked out over the district's whole list: a pack of one school names it as `schools: all` does."""
    allowed = {"fresno": {"district": ["fresno"], "school_year": [2025], "school": ["all", *HOSTILE_SCHOOLS],
                          "school_codes": HOSTILE_SCHOOLS}}
    every = {job.school: job.slug for job in expand_pack(load_pack(make_pack(tmp_path, schools="all")), allowed)}
    one = expand_pack(load_pack(make_pack(tmp_path, schools=["LINCOLN ELEMENTARY"])), allowed)
    assert [job.slug for job in one] == [every["LINCOLN ELEMENTARY"]] == ["lincoln-elementary-0805678"]
    assert one[0].school_code == "10621660805678"


@records("a schools: all pack over hostile school names: every school a report inside the output, named as written")
def test_a_pack_over_hostile_names_writes_every_report_inside_its_output(tmp_path):
    allowed = {"fresno": {"district": ["fresno"], "school_year": [2025], "school": ["all", *HOSTILE_SCHOOLS],
                          "school_codes": HOSTILE_SCHOOLS}}
    summary = run_pack(make_pack(tmp_path, schools="all"), workers=2, allowed=allowed, progress=False)
    assert summary.ok, summary.table()
    out = tmp_path / "out"
    reports = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html") if p.name != "index.html")
    assert len(reports) == len(HOSTILE_SCHOOLS) + 1
    assert all(report.startswith("fresno/echo/") for report in reports)
    assert not (tmp_path / "etc").exists()
    # each school's own name reached its notebook as a plain string
    for job in (result.job for result in summary.results):
        log = job.log_path(out).read_text(encoding="utf-8")
        assert f"school={job.school!r}" in log, job.school
    # the index has a row for each of them, the two Lincolns told apart by their codes
    assert len(statuses(summary)) == len(HOSTILE_SCHOOLS) + 1
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Lincoln Elementary</th>" in index and "LINCOLN ELEMENTARY</th>" in index
    assert 'href="fresno/echo/all-0990001.html"' in index and 'href="fresno/echo/district.html"' in index
