"""District-wide work every school report shares is done once, in the kernel template, and found by each forked
kernel (flp_inquiry.inquiry.shared_work); what a job changes stays in its own kernel."""
from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import papermill
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from flp_inquiry.codes import PARTNERSHIP
from flp_inquiry.ingest.store import read_table
from flp_inquiry.packs import kernels
from flp_inquiry.packs.job_spec import JobSpec
from flp_inquiry.packs.jobs import execute_job, start_kernel, stop_kernel
from tests.battery_report import records

SCHOOL = "Sample Almendro Elementary"  # a Fresno sample school
SHARED = {"school_year": 2025, "questions": ["common_metrics"]}

# Counts the work a report does itself: the by-school tables its projected Dashboard is cut from, its
# district's figures beside its own, and its own (cut, once worked out ahead, from every school's).
COUNTING = """
from flp_inquiry.measures import dashboard_projection
from flp_inquiry.inquiry.findings import glance
made = []
def counting(name, original):
    def counted(*args, **kwargs):
        made.append((name, getattr(args[0], "school", None)))
        return original(*args, **kwargs)
    return counted
dashboard_projection._work_out_yearly = counting("by school", dashboard_projection._work_out_yearly)
dashboard_projection._levelled = counting("by school", dashboard_projection._levelled)
glance._work_out_indicator = counting("indicator", glance._work_out_indicator)
"""


def report(data_dir) -> str:
    """What a school's common metrics report works out; prints the counts and the figures."""
    return f"""
from flp_inquiry import findings, start_inquiry
inquiry = start_inquiry("fresno", 2025, {SCHOOL!r}, {str(data_dir)!r})
projection = findings.projected_dashboard_for(inquiry)
table, _ = findings.with_context(inquiry, findings.common_metrics(inquiry))
print("worked out:", sum(name == "by school" for name, _ in made),
      sum(name == "indicator" and school == "all" for name, school in made),
      sum(name == "indicator" and school == {SCHOOL!r} for name, school in made))
print("rows:", len(inquiry.data.enrollment))
print("figures:", table.astype(str).to_json())
print("projection:", projection.astype(str).to_json())
"""


# A job that changes, in place, the district's table read ahead and a district figure worked out ahead.
CHANGING = """
import dataclasses
district = dataclasses.replace(inquiry, school="all")
glance.indicator_rows(district, "percent_met", "ela", None).loc[:, "value"] = -1.0
inquiry.data.enrollment.drop(inquiry.data.enrollment.index[:50], inplace=True)
print("changed:", len(inquiry.data.enrollment), glance.indicator_rows(district, "percent_met", "ela", None)["value"].iloc[0])
"""


def _spec():
    return KernelSpecManager().get_kernel_spec("flp-inquiry")


@pytest.fixture
def pack_template(sample_harmonised):
    """Start this process's kernel template as a pack run does: both districts read ahead, work shared or not."""
    owners = []

    def start(shared_work: dict | None):
        kernels.close_templates()
        owner = kernels.start_template(_spec(), [(d, str(sample_harmonised)) for d in PARTNERSHIP], shared_work)
        kernels.share_template(_spec(), owner.address)
        owners.append(owner)
        return owner

    yield start
    kernels.close_templates()
    for owner in owners:
        owner.close()
    kernels._shared.clear()


def _notebook(cells):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "flp-inquiry", "display_name": "Python (flp-inquiry)", "language": "python"}
    return notebook


def _printed(executed: nbformat.NotebookNode) -> dict[str, str]:
    text = "".join(output.get("text", "") for cell in executed.cells for output in cell.get("outputs", [])
                   if output.output_type == "stream")
    return dict(re.findall(r"^(worked out|rows|figures|projection|changed): (.*)$", text, re.MULTILINE))


def _run(key, cells, tmp_path) -> dict[str, str]:
    """One job, as a pack's worker runs it: its kernel forked from this process's template."""
    outcome = execute_job(JobSpec(key, f"{key}.ipynb", {}, cwd=str(tmp_path), timeout=300),
                          nbformat.writes(_notebook(cells)))
    assert outcome.status == "ok", outcome.error
    return _printed(nbformat.reads(outcome.executed, as_version=4))


def test_a_forked_kernel_finds_the_district_wide_work_done_in_the_template(pack_template, sample_harmonised, tmp_path):
    pack_template(None)  # the previous design: each report works its district's figures out itself
    alone = _run("alone", [COUNTING, report(sample_harmonised)], tmp_path)
    pack_template(SHARED)
    shared = _run("shared", [COUNTING, report(sample_harmonised)], tmp_path)
    by_school, district, own = map(int, alone["worked out"].split())
    assert by_school > 0 and district > 0 and own > 0  # (the count sees the work where it is done)
    assert shared["worked out"] == "0 0 0"  # all of it found, none worked out again
    assert shared["figures"] == alone["figures"] and shared["projection"] == alone["projection"]
    figures = pd.DataFrame(json.loads(shared["figures"]))
    assert (figures["district_value"] != "").any()  # the district's figures are there to be compared


@records("a report that changes, in place, its district's table or a figure worked out once for every school: "
         "the next report starts from them as they were")
def test_a_jobs_changes_do_not_reach_the_next_job(pack_template, sample_harmonised, tmp_path):
    pack_template(SHARED)
    first = _run("first", [COUNTING, report(sample_harmonised), CHANGING], tmp_path)
    rows = len(read_table("fresno", "enrollment", sample_harmonised))
    assert first["rows"] == str(rows)
    assert first["changed"] == f"{rows - 50} -1.0"  # the job's own kernel sees its changes
    second = _run("second", [COUNTING, report(sample_harmonised)], tmp_path)
    assert second["rows"] == str(rows)  # the next one starts from the template as it was
    assert second["worked out"] == "0 0 0"
    assert second["figures"] == first["figures"] and second["projection"] == first["projection"]


def test_without_a_template_a_report_works_everything_out_itself_with_the_same_figures(pack_template,
                                                                                          sample_harmonised, tmp_path):
    pack_template(SHARED)
    shared = _run("shared", [COUNTING, report(sample_harmonised)], tmp_path)
    nbformat.write(_notebook([COUNTING, report(sample_harmonised)]), tmp_path / "usual.ipynb")
    manager = start_kernel("flp-inquiry", str(tmp_path), forked=False)  # as where a kernel cannot be forked
    try:
        papermill.execute_notebook(str(tmp_path / "usual.ipynb"), str(tmp_path / "usual-run.ipynb"),
                                   kernel_name="flp-inquiry", km=manager, progress_bar=False)
    finally:
        stop_kernel(manager)
    usual = _printed(nbformat.read(tmp_path / "usual-run.ipynb", as_version=4))
    assert usual["worked out"] != "0 0 0"
    assert usual["figures"] == shared["figures"] and usual["projection"] == shared["projection"]
