"""Self-contained HTML for principals: one report per executed notebook, and a pack's index page.

A report opens offline, from an email attachment: no code, no prompts, no
printed logs, charts drawn as inline SVG by vl-convert, images as data URIs,
and no ``<script src>``, ``<link>``, ``@import`` or remote ``url()`` anywhere
(nbconvert's stock ``lab``/``classic`` templates fetch require.js and MathJax
from a CDN, and Altair's HTML output fetches Vega, so neither is used as is).
Every chart carries a text alternative: the chart's Vega-Lite ``description``
(set by :mod:`flp_inquiry.charts`), or a sentence built from its title and
encodings.

The report template is a real nbconvert template folder, ``templates/report``,
which also works by hand::

    jupyter nbconvert --to html --template report \\
        --TemplateExporter.extra_template_basedirs=templates executed.ipynb

(without the chart conversion and checks that :func:`render_report` adds).
Before anything is written, :func:`flp_inquiry.privacy.check_notebook_outputs`
and :func:`flp_inquiry.privacy.check_report` must pass: a refused report is
never written.  Files are written atomically (a temporary file, then
``os.replace``), so a reader never sees half a report.
"""
from __future__ import annotations

import html as html_text
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

import nbformat
import vl_convert
from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from flp_inquiry import TEMPLATES, __version__
from flp_inquiry.codes import DISTRICTS
from flp_inquiry.errors import FlpInquiryError, ParameterError
from flp_inquiry.files import write_atomic
from flp_inquiry.kernels import environment_variable
from flp_inquiry.labels import school_year_label
from flp_inquiry.privacy import MAX_ROWS, MIN_N, as_id_set, check_notebook_outputs, check_report


REPORT_TEMPLATE = "report"
INDEX_TEMPLATE = "pack_index.html.j2"
#: Job statuses a pack's index shows, and the words it shows them in (text, not colour).
JOB_STATUSES = {"ok": "OK", "failed": "Failed", "skipped-unchanged": "Unchanged (not re-run)"}
#: Times are shown where the principals are.
LOCAL_ZONE = "America/Los_Angeles"
ALL_SCHOOLS = "All schools"
#: The alt text of an image whose notebook gave none (nbconvert's own says "No description has been provided").
NO_ALT_TEXT = "Figure from the analysis (no description was given)"

_VEGALITE_MIMETYPE = re.compile(r"^application/vnd\.vegalite\.v\d+[.+]json$")
_ALTAIR_EMBED_CALL = re.compile(r"\}\)\(\s*(?=\{)")  # Altair's HTML output: (function(spec, embedOpt){...})({spec}, ...)
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">[^<]*</a>')
_ATX_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_NUMERIC_CELL = re.compile(r"^([-+]?[\d,]*\.?\d+%?|\*|)$")
_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_CHART_KINDS = {
    "bar": "Bar chart", "line": "Line chart", "area": "Area chart", "point": "Dot chart", "circle": "Dot chart",
    "square": "Dot chart", "tick": "Strip chart", "rect": "Heat map", "arc": "Pie chart", "boxplot": "Box plot",
    "errorbar": "Chart with error bars", "rule": "Chart", "text": "Text chart",
}
# Anything that makes a browser fetch a file: the report must hold none.
_EXTERNAL_REFERENCES = [
    re.compile(r"<script\b[^>]*\bsrc\s*=[^>]*>", re.IGNORECASE),
    re.compile(r"<link\b[^>]*>", re.IGNORECASE),
    re.compile(r"<(iframe|object|embed|base)\b[^>]*>", re.IGNORECASE),
    re.compile(r"""\b(src|srcset|poster|background|xlink:href)\s*=\s*["']?(?!data:|#)[^\s"'>]+""", re.IGNORECASE),
    re.compile(r"""<(image|use|feImage)\b[^>]*\bhref\s*=\s*["']?(?!data:|#)[^\s"'>]+""", re.IGNORECASE),
    re.compile(r"@import\b[^;]*", re.IGNORECASE),
    re.compile(r"""url\(\s*["']?(?!data:|#)[^)]*\)""", re.IGNORECASE),
]


class ReportError(FlpInquiryError):
    """A report or index could not be made self-contained, or its input is not usable."""


@dataclass(frozen=True)
class ReportHeader:
    """What a report's header says: which district, school, question, year and data.

    ``school`` is ``None`` for a district-wide report.  ``data_as_of`` is the
    harmonised data's manifest time (a datetime or ISO text); ``made`` defaults
    to now.  ``school_year`` is the year the school year ends (2025 = 2024-25).

    >>> header = ReportHeader("fresno", "Are English learners on track?", 2025,
    ...                       "2025-03-12T14:05:00+00:00", made=datetime(2025, 3, 13, 9, 0))
    >>> header.facts()
    [('District', 'Fresno Unified'), ('School', 'All schools'), ('School year', '2024-25'), ('Data as of', 'March 12, 2025, 7:05 AM PDT'), ('Made', 'March 13, 2025, 9:00 AM')]
    """

    district: str
    question: str
    school_year: int | str
    data_as_of: datetime | str
    school: str | None = None
    made: datetime | str | None = None

    def facts(self) -> list[tuple[str, str]]:
        """The header's label and value pairs, in the order they are shown."""
        year = self.school_year if isinstance(self.school_year, str) and "-" in self.school_year else school_year_label(int(self.school_year))
        return [
            ("District", DISTRICTS.get(self.district, {}).get("name", self.district)),
            ("School", self.school or ALL_SCHOOLS),
            ("School year", year),
            ("Data as of", format_time(self.data_as_of)),
            ("Made", format_time(self.made or datetime.now(timezone.utc))),
        ]


@dataclass(frozen=True)
class JobRecord:
    """One job of a meeting pack, as its index shows it.

    ``report`` is the report's path relative to the index (``None`` when no
    report was written); ``status`` is one of :data:`JOB_STATUSES`.

    >>> JobRecord("fresno", None, "Math pathways", "ok", 12.5, "fresno/all/math.html").school_label
    'All schools'
    >>> JobRecord("fresno", None, "Math pathways", "done")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: status = 'done' is not allowed. Allowed values: ok, failed, skipped-unchanged
    """

    district: str
    school: str | None
    question: str
    status: str
    seconds: float | None = None
    report: str | None = None
    error: str = ""

    def __post_init__(self):
        if self.status not in JOB_STATUSES:
            raise ParameterError("status", self.status, list(JOB_STATUSES))

    @property
    def school_label(self) -> str:
        """The school's name, or "All schools" for a district-wide job."""
        return self.school or ALL_SCHOOLS


def format_time(value: datetime | str) -> str:
    """A time as a principal reads it; times with a zone are shown in California time.

    >>> format_time("2025-01-15T18:30:00Z"), format_time(datetime(2025, 1, 15, 8, 5))
    ('January 15, 2025, 10:30 AM PST', 'January 15, 2025, 8:05 AM')
    """
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    zone = ""
    if moment.tzinfo is not None:
        try:
            from zoneinfo import ZoneInfo

            moment = moment.astimezone(ZoneInfo(LOCAL_ZONE))
        except Exception:  # no time zone data on this machine: UTC is still right
            moment = moment.astimezone(timezone.utc)
        zone = " " + moment.tzname()
    hour = moment.hour % 12 or 12
    return f"{moment:%B} {moment.day}, {moment.year}, {hour}:{moment:%M %p}{zone}"


def chart_spec(data: Mapping) -> dict | None:
    """The Vega-Lite spec of a notebook output's data, if it is a chart.

    Reads the Vega-Lite mimebundle (``application/vnd.vegalite.v6+json``; Altair
    6's own ``mimetype`` renderer writes ``...v6.json``, which nbformat cannot
    store, so a kernel cannot use it), Altair's ``json`` renderer output and
    Altair's default HTML output, which embeds the spec in a script that would
    fetch Vega from a CDN.

    >>> chart_spec({"application/vnd.vegalite.v6+json": {"mark": "bar"}, "text/plain": "<VegaLite 6 object>"})
    {'mark': 'bar'}
    >>> chart_spec({"application/json": {"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json", "mark": "bar"}})["mark"]
    'bar'
    >>> chart_spec({"text/html": '<div id="altair-viz-1"></div><script>vegaEmbed; (function(spec, embedOpt){ })({"mark": "line"}, {"mode": "vega-lite"});</script>'})
    {'mark': 'line'}
    >>> chart_spec({"text/plain": "42"}) is None
    True
    """
    for mimetype, value in data.items():
        is_vegalite_json = mimetype == "application/json" and "vega-lite" in str(getattr(value, "get", dict().get)("$schema", ""))
        if _VEGALITE_MIMETYPE.match(mimetype) or is_vegalite_json:
            return json.loads(json.dumps(value))  # a plain dict, detached from the notebook node
    markup = data.get("text/html", "")
    if "vegaEmbed" in markup:
        call = _ALTAIR_EMBED_CALL.search(markup)
        if call:
            spec, _ = json.JSONDecoder().raw_decode(markup, call.end())
            return spec
    return None


def describe_chart(spec: Mapping) -> str:
    """A chart's text alternative: its ``description``, or one built from its mark, encodings and title.

    >>> describe_chart({"description": "Bar chart of math by school.", "mark": "bar"})
    'Bar chart of math by school.'
    >>> describe_chart({"mark": {"type": "bar"}, "title": "2024-25", "encoding": {
    ...     "x": {"field": "value", "type": "quantitative", "title": "Percent met or exceeded"},
    ...     "y": {"field": "school", "type": "nominal", "title": "School"}}})
    'Bar chart of Percent met or exceeded by School, 2024-25.'
    """
    if str(spec.get("description") or "").strip():
        return str(spec["description"]).strip()
    unit = _first_unit(spec)
    mark = unit.get("mark", "")
    mark = mark.get("type", "") if isinstance(mark, Mapping) else mark
    encoding = {**spec.get("encoding", {}), **unit.get("encoding", {})}
    measures, categories = [], []
    for channel in ("x", "y", "theta", "color", "row", "column", "facet"):
        definition = encoding.get(channel)
        if not isinstance(definition, Mapping):
            continue
        name = _channel_title(definition)
        kind = definition.get("type", "quantitative" if "aggregate" in definition else "nominal")
        (measures if kind == "quantitative" else categories).append(name)
    sentence = _CHART_KINDS.get(mark, "Chart")
    if measures:
        sentence += f" of {measures[0]}"
    if categories:
        sentence += " by " + " and ".join(dict.fromkeys(categories))
    title = _title_text(spec.get("title"))
    return sentence + (f", {title}" if title else "") + "."


def chart_figure(spec: Mapping, id_prefix: str = "chart") -> str:
    """A chart as a ``<figure>``: inline SVG labelled with its text alternative, and a caption.

    ``id_prefix`` keeps the SVG's internal ids (clip paths, gradients) apart
    from other charts' on the same page.

    >>> figure = chart_figure({"mark": "bar", "description": "Two bars.",
    ...     "data": {"values": [{"a": 1}, {"a": 2}]}, "encoding": {"x": {"field": "a", "type": "ordinal"}}})
    >>> figure.startswith('<figure class="chart"><svg role="img" aria-label="Two bars."'), "xmlns" in figure
    (True, False)
    """
    description = describe_chart(spec)
    _load_chart_fonts()
    try:
        version = _vegalite_version(spec)
        svg = vl_convert.vegalite_to_svg(spec, vl_version=version) if version else vl_convert.vegalite_to_svg(spec)
    except Exception as err:  # vl-convert raises plain ValueError/RuntimeError with the Vega message
        raise ReportError(f"a chart could not be drawn ({description}): {err}") from err
    svg = _prefix_svg_ids(svg, id_prefix)
    root = _SVG_ROOT.search(svg).group()
    # Inline SVG in HTML needs no namespaces; dropping them leaves no URL in the report at all.
    labelled = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", root)
    labelled = labelled.replace("<svg", f'<svg role="img" aria-label="{html_text.escape(description)}"', 1)
    svg = svg.replace(root, labelled, 1)
    return f'<figure class="chart">{svg}<figcaption>{html_text.escape(description)}</figcaption></figure>'


def image_figure(mimetype: str, data: str, alt: str | None) -> str:
    """A PNG/JPEG/SVG output as a ``<figure>`` with its image inline and a text alternative.

    >>> image_figure("image/png", "iVBORw0KGgo=", "Logo of the partnership")
    '<figure class="chart"><img src="data:image/png;base64,iVBORw0KGgo=" alt="Logo of the partnership"></figure>'
    """
    alt = (alt or "").strip() or NO_ALT_TEXT
    if mimetype == "image/svg+xml":
        svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", "", data).strip()
        root = _SVG_ROOT.search(svg)
        if root is None:
            raise ReportError("an SVG image output holds no <svg> element")
        labelled = root.group().replace("<svg", f'<svg role="img" aria-label="{html_text.escape(alt)}"', 1)
        return f'<figure class="chart">{svg.replace(root.group(), labelled, 1)}</figure>'
    payload = "".join(data.split())
    return f'<figure class="chart"><img src="data:{mimetype};base64,{payload}" alt="{html_text.escape(alt)}"></figure>'


def clean_html_output(markup: str) -> str:
    """An HTML output (e.g. a DataFrame table) without scripts, embeds, event handlers or remote fetches.

    >>> clean_html_output('<style>@import url(https://x/y.css); td{color:red}</style><table onclick="f()"><tr><td>Oak</td><td>1</td></tr></table><script src="https://cdn/x.js"></script>')
    '<style> td{color:red}</style><table><tr><td class="text">Oak</td><td>1</td></tr></table>'
    """
    soup = BeautifulSoup(markup, "html.parser")
    for element in soup.find_all(["script", "link", "iframe", "object", "embed", "base", "meta", "noscript"]):
        element.decompose()
    for element in soup.find_all(True):
        for attribute in [a for a in element.attrs if a.lower().startswith("on")]:
            del element[attribute]
        for attribute in ("src", "srcset"):
            if attribute in element.attrs and not str(element[attribute]).startswith("data:"):
                element.decompose()  # a remote (or local-file) image cannot travel in an email
                break
    for style in soup.find_all("style"):
        style.string = re.sub(r"@import\b[^;]*;?", "", style.get_text())
    for cell in soup.find_all("td"):
        if not _NUMERIC_CELL.match(cell.get_text(strip=True)):
            cell["class"] = [*cell.get("class", []), "text"]  # words read left-aligned, numbers right
    return str(soup)


def find_external_references(html: str) -> list[str]:
    """Everything in ``html`` that would make a browser fetch a file (the report must hold none).

    Links a reader may click (``<a href>``) are not fetches and are allowed.

    >>> find_external_references('<a href="https://www.cde.ca.gov">CDE</a><img src="data:image/png;base64,AA==">')
    []
    >>> find_external_references('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script><p style="background:url(x.png)">')
    ['<script src="https://cdn.jsdelivr.net/npm/vega@6">', 'src="https://cdn.jsdelivr.net/npm/vega@6', 'url(x.png)']
    """
    return [match.group() for pattern in _EXTERNAL_REFERENCES for match in pattern.finditer(html)]


def strip_anchor_links(html: str) -> str:
    """Remove the pilcrow links nbconvert adds after each heading (noise on paper and for screen readers).

    >>> strip_anchor_links('<h2 id="Why">Why<a class="anchor-link" href="#Why">&#182;</a></h2>')
    '<h2 id="Why">Why</h2>'
    """
    return _ANCHOR_LINK.sub("", html)


def shift_headings(sources: list[str], top_level: int = 2) -> list[str]:
    """Markdown sources with headings renumbered from ``top_level`` down, no level skipped.

    The report's title is the only ``h1``; the notebook's own headings follow
    it in order.  Headings inside fenced code are left alone.

    >>> shift_headings(["# Math\\ntext", "### Detail", "```\\n# not a heading\\n```"])
    ['## Math\\ntext', '### Detail', '```\\n# not a heading\\n```']
    """
    levels = sorted({len(m.group(1)) for source in sources for m in _ATX_HEADING.finditer(_FENCE.sub("", source))})
    renumbered = {level: min(top_level + rank, 6) for rank, level in enumerate(levels)}

    def shift(source: str) -> str:
        fences = [m.span() for m in _FENCE.finditer(source)]
        return _ATX_HEADING.sub(
            lambda m: m.group() if any(a <= m.start() < b for a, b in fences) else "#" * renumbered[len(m.group(1))],
            source,
        )

    return [shift(source) for source in sources]


def drop_repeated_title(source: str, title: str) -> str:
    """``source`` without a leading ``# heading`` that only repeats the report's title.

    >>> drop_repeated_title("# Math: who?\\n\\n**The question.** Why", "Math: who?")
    '**The question.** Why'
    >>> drop_repeated_title("# Another title\\ntext", "Math: who?")
    '# Another title\\ntext'
    """
    first, _, rest = source.partition("\n")
    if re.fullmatch(r"#\s+" + re.escape(title.strip()) + r"\s*", first.strip()):
        return rest.lstrip("\n")
    return source


class PrincipalReportPreprocessor(Preprocessor):
    """Turns an executed notebook into what a principal reads.

    Printed text (streams) is dropped; an error becomes a one-line notice (never
    a traceback); charts become inline-SVG figures; images are inlined; HTML
    outputs are cleaned; widgets and scripts are dropped.  Afterwards each
    output holds one of ``text/html``, ``text/markdown`` or ``text/plain``.
    """

    def preprocess(self, nb, resources):
        markdown_cells = [cell for cell in nb.cells if cell.cell_type == "markdown"]
        title = resources.get("report", {}).get("question")
        if markdown_cells and title:  # the header's h1 already says it: no second title under it
            markdown_cells[0].source = drop_repeated_title(markdown_cells[0].source, title)
        for cell, source in zip(markdown_cells, shift_headings([cell.source for cell in markdown_cells])):
            cell.source = source
        charts = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            kept = []
            for output in cell.get("outputs", []):
                if chart_spec(output.get("data", {})) is not None:
                    charts += 1
                data = self.principal_data(output, chart_number=charts)
                if data:
                    # (nbformat.v4.new_output would check each output against the schema, slowly; the exporter
                    # checks the whole notebook once, after this preprocessor)
                    kept.append(nbformat.from_dict({"output_type": "display_data", "data": data, "metadata": {}}))
            cell.outputs = kept
        return nb, resources

    def principal_data(self, output, chart_number: int = 1) -> dict[str, str] | None:
        """The one representation of ``output`` a report shows, or ``None`` to leave it out."""
        if output.output_type == "stream":
            return None
        if output.output_type == "error":
            reason = f"{output.ename}: {str(output.evalue).splitlines()[0] if output.evalue else ''}".rstrip(": ")
            return {"text/html": f'<p class="notice">This part of the analysis stopped with an error ({html_text.escape(reason)}).</p>'}
        data, metadata = output.get("data", {}), output.get("metadata", {})
        spec = chart_spec(data)
        if spec is not None:
            return {"text/html": chart_figure(spec, id_prefix=f"chart{chart_number}")}
        if "application/vnd.jupyter.widget-view+json" in data:
            return None  # a live widget has nothing to show on paper
        for mimetype in ("image/svg+xml", "image/png", "image/jpeg"):
            if mimetype in data:
                alt = (metadata.get(mimetype) or {}).get("alt") or metadata.get("alt")
                return {"text/html": image_figure(mimetype, data[mimetype], alt)}
        if "text/html" in data:
            return {"text/html": clean_html_output(data["text/html"])}
        for mimetype in ("text/markdown", "text/plain"):
            if mimetype in data:
                return {mimetype: data[mimetype]}
        return None


def render_report(notebook: str | os.PathLike | nbformat.NotebookNode, out_html: str | os.PathLike,
                  header: ReportHeader | Mapping, *, student_ids: Iterable[str] = (), min_n: int = MIN_N,
                  max_rows: int = MAX_ROWS) -> Path:
    """Write an executed notebook as one self-contained HTML report for principals.

    Parameters
    ----------
    notebook
        The executed notebook: a path, or an ``nbformat`` node (not changed).
    out_html
        Where to write the report; folders are made; written atomically.
    header
        A :class:`ReportHeader`, or a mapping of its fields.
    student_ids
        Known student keys or ids, searched for in the outputs and the report.
    min_n, max_rows
        The privacy rules (see :mod:`flp_inquiry.privacy`).

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    flp_inquiry.privacy.PrivacyError
        The notebook's outputs or the report would show student-level data; nothing is written.
    ReportError
        A chart could not be drawn, or something in the report would be fetched from elsewhere.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Findings\\nMath rose.")])
    >>> header = ReportHeader("long_beach", "How is math going?", 2025, "2025-03-01T08:00:00+00:00")
    >>> path = render_report(nb, Path(tempfile.mkdtemp()) / "report.html", header)
    >>> text = path.read_text()
    >>> "<h1>How is math going?</h1>" in text, '<h2 id="Findings">Findings</h2>' in text, "<script" in text
    (True, True, False)
    """
    # nbconvert works on its own copy of the notebook, so a node passed in is read, never changed, here
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, (str, os.PathLike)) else notebook
    student_ids = as_id_set(student_ids)
    check_notebook_outputs(nb, student_ids, min_n=min_n, max_rows=max_rows)
    header = header if isinstance(header, ReportHeader) else ReportHeader(**header)
    facts = header.facts()
    made = dict(facts)["Made"]
    place = header.school or dict(facts)["District"]
    resources = {"report": {
        "question": header.question, "facts": facts, "made": made, "min_n": min_n, "version": __version__,
        "page_title": f"{header.question} - {place} - {dict(facts)['School year']}",
    }}
    html, _ = _report_exporter().from_notebook_node(nb, resources=resources)
    _refuse_external_references(html, "report")
    check_report(html, student_ids, min_n=min_n, max_rows=max_rows)
    return write_atomic(out_html, html)


def render_index(jobs: Iterable[JobRecord | Mapping], out_html: str | os.PathLike, title: str, *,
                 school_year: int | None = None, made: datetime | str | None = None) -> Path:
    """Write a meeting pack's index page: every report by district, school and question.

    Parameters
    ----------
    jobs
        :class:`JobRecord` objects (or mappings of their fields); ``report`` paths relative to the index.
    out_html
        Where to write the index; written atomically.
    title
        The page's heading (the pack's name).
    school_year
        The pack's school year (``2025`` is shown as 2024-25), if it has one.
    made
        When the pack was run (default: now).

    Returns
    -------
    Path
        ``out_html``.

    Examples
    --------
    >>> import tempfile
    >>> jobs = [JobRecord("fresno", None, "Math", "ok", 3.25, "fresno/all/math.html"),
    ...         JobRecord("fresno", "Sample Oak", "Math", "failed", 1.0, None, "KeyError: 'school'")]
    >>> text = render_index(jobs, Path(tempfile.mkdtemp()) / "index.html", "March pack").read_text()
    >>> '<a href="fresno/all/math.html">' in text, "3.2 s" in text, "Failed" in text
    (True, True, True)
    """
    records = [job if isinstance(job, JobRecord) else JobRecord(**job) for job in jobs]
    for job in records:
        if job.report and (Path(job.report).is_absolute() or re.match(r"^[a-z][a-z0-9+.-]*:", job.report, re.IGNORECASE)):
            raise ReportError(f"the index must link reports by relative path, not {job.report!r}")
    questions = list(dict.fromkeys(job.question for job in records))
    districts = []
    for district in dict.fromkeys(job.district for job in records):
        cells = {(job.school_label, job.question): job for job in records if job.district == district}
        schools = sorted({school for school, _ in cells}, key=lambda s: (s != ALL_SCHOOLS, s))
        rows = [{"school": school, "cells": [_index_cell(cells.get((school, q))) for q in questions]} for school in schools]
        districts.append({"name": DISTRICTS.get(district, {}).get("name", district), "rows": rows})
    counts = [(label, sum(job.status == status for job in records)) for status, label in JOB_STATUSES.items()]
    environment = Environment(loader=FileSystemLoader(TEMPLATES / REPORT_TEMPLATE), autoescape=True)
    html = environment.get_template(INDEX_TEMPLATE).render(
        title=title, school_year=None if school_year is None else school_year_label(school_year),
        jobs=records, questions=questions, districts=districts, counts=counts,
        status_labels=JOB_STATUSES, made=format_time(made or datetime.now(timezone.utc)), version=__version__,
    )
    _refuse_external_references(html, "index")
    return write_atomic(out_html, html)


def _report_exporter() -> HTMLExporter:
    """This thread's report exporter: made once, so its templates are compiled once, not per report."""
    exporter = getattr(_exporters, "report", None)
    if exporter is None:
        exporter = _exporters.report = _new_report_exporter()
    return exporter


_exporters = threading.local()  # a Dask worker may render in several threads at once


class _ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without its final pass over the page.

    That pass parses the whole page again with BeautifulSoup, to give ``<img>``
    without one a stock alt text and to make JupyterLab's cell classes
    focusable.  The report template has no such classes, and a report's images
    carry their own alt text (:func:`image_figure`, :func:`with_alt_text`), so
    the pass found nothing to do here and cost a third of a report's rendering
    outside its charts.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        # what HTMLExporter does before its template runs: filters the template may name
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get("highlight_code",
                                                                Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type",
                             WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return with_alt_text(html), resources


_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt\s*=)", re.IGNORECASE)


def with_alt_text(html: str) -> str:
    """``html`` with an alt text on every ``<img>`` (one in a Markdown cell's own HTML may lack it).

    >>> with_alt_text('<img src="data:image/png;base64,AA=="><img alt="Logo" src="x">')
    '<img alt="Figure from the analysis (no description was given)" src="data:image/png;base64,AA=="><img alt="Logo" src="x">'
    """
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT_TEXT}"', html)


def _new_report_exporter() -> HTMLExporter:
    config = Config()
    # Authors can keep a cell, or its output, out of the report with a tag (JupyterLab's spellings).
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
    exporter = _ReportExporter(
        config=config, template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        optimistic_validation=True,  # check the notebook once, after the last preprocessor, not after each
    )
    exporter.register_preprocessor(PrincipalReportPreprocessor(), enabled=True)
    exporter.register_filter("strip_anchor_links", strip_anchor_links)
    return exporter


def _refuse_external_references(html: str, what: str) -> None:
    references = find_external_references(html)
    if references:
        shown = "; ".join(sorted(set(references))[:5])
        raise ReportError(f"the {what} would fetch {len(references)} file(s) from elsewhere and would not open offline: {shown}")


def _index_cell(job: JobRecord | None) -> dict | None:
    if job is None:
        return None
    error = job.error.strip().splitlines()[0][:160] if job.error.strip() else ""
    return {**asdict(job), "error": error, "report": Path(job.report).as_posix() if job.report else None}


def _first_unit(spec: Mapping) -> Mapping:
    """The first single-view spec inside a layered, concatenated or faceted spec."""
    for key in ("layer", "hconcat", "vconcat", "concat"):
        if spec.get(key):
            return _first_unit(spec[key][0])
    if isinstance(spec.get("spec"), Mapping):
        return _first_unit(spec["spec"])
    return spec


def _channel_title(definition: Mapping) -> str:
    title = definition.get("title")
    if title:
        return " ".join(title) if isinstance(title, list) else str(title)
    if definition.get("aggregate") == "count" or not definition.get("field"):
        return "Count"
    return str(definition["field"])


def _title_text(title) -> str:
    if isinstance(title, Mapping):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title or "").strip()


_chart_fonts_lock = threading.Lock()
_chart_fonts_loaded = False


def _load_chart_fonts() -> None:
    """Have vl-convert load its fonts, once per process: only the Liberation Sans it bundles, no system font.

    vl-convert measures every piece of text to lay a chart out.  Besides its
    own copy of Liberation Sans it loads the system's fonts, and it opens a
    system font's file again for each text it measures, so on a machine with
    Liberation Sans installed (Debian's ``fonts-liberation``, which Chromium
    brings) every label cost a file read and a chart 2-3 times as long.  Its
    own copy has the same metrics (Arial's, what most readers' browsers draw),
    so charts are laid out the same, and the same on every machine.

    vl-convert reads its fonts once, at its first conversion, through
    fontconfig's configuration: this makes that conversion with
    ``FONTCONFIG_FILE`` naming an empty folder as the only one with fonts, set
    only while it runs (0.3 s, once per process; no kernel starts meanwhile,
    see :func:`flp_inquiry.kernels.environment_variable`).  In a process that
    had already drawn a chart it changes nothing.
    """
    global _chart_fonts_loaded
    with _chart_fonts_lock:
        if _chart_fonts_loaded:
            return
        folder = tempfile.mkdtemp(prefix="flp-chart-fonts-")
        config = Path(folder, "fonts.conf")
        config.write_text(f'<?xml version="1.0"?>\n<fontconfig><dir>{html_text.escape(folder)}</dir></fontconfig>\n',
                          encoding="utf-8")
        try:
            with environment_variable("FONTCONFIG_FILE", str(config)):
                vl_convert.vega_to_svg({"marks": [{"type": "text", "encode": {"enter": {"text": {"value": "."}}}}]})
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        _chart_fonts_loaded = True


def _vegalite_version(spec: Mapping) -> str | None:
    """The vl-convert version matching the spec's ``$schema`` (``v6.4.1`` -> ``6.4``), if it has it."""
    match = re.search(r"/v(\d+)\.(\d+)", str(spec.get("$schema", "")))
    version = f"{match.group(1)}.{match.group(2)}" if match else None
    return version if version in vl_convert.get_vegalite_versions() else None


def _prefix_svg_ids(svg: str, prefix: str) -> str:
    ids = set(_SVG_ID.findall(svg))
    for name in sorted(ids, key=len, reverse=True):
        svg = re.sub(rf'(id="|url\(#|href="#){re.escape(name)}(?=[")])', rf"\g<1>{prefix}-{name}", svg)
    return svg
