"""Self-contained HTML for principals: one report per executed notebook (the index: :mod:`flp_inquiry.packs.index`).

A report opens offline, from an email attachment: no code, no prompts, no
printed logs, charts drawn as inline SVG by vl-convert, images as data URIs,
and no ``<script src>``, ``<link>``, ``@import`` or remote ``url()`` anywhere
(nbconvert's stock ``lab``/``classic`` templates fetch require.js and MathJax
from a CDN, and Altair's HTML output fetches Vega, so neither is used as is).
Every chart carries a text alternative: the chart's Vega-Lite ``description``
(set by :mod:`flp_inquiry.inquiry.charts`), or a sentence built from its title and
encodings.

The report template is a real nbconvert template folder, ``templates/report``,
which also works by hand::

    jupyter nbconvert --to html --template report \\
        --TemplateExporter.extra_template_basedirs=templates executed.ipynb

(without the chart conversion and checks that :func:`render_report` adds).
Before anything is written, :func:`flp_inquiry.measures.privacy.check_notebook_outputs`
and :func:`flp_inquiry.measures.privacy.check_report` must pass: a refused report is
never written.  Files are written atomically (a temporary file, then
``os.replace``), so a reader never sees half a report.
"""
from __future__ import annotations

import html as html_text
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

import nbformat
from markupsafe import Markup
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from flp_inquiry import TEMPLATES, __version__
from flp_inquiry.codes import DISTRICTS
from flp_inquiry.files import write_atomic
from flp_inquiry.inquiry.glossary import glossary_html, terms_used
from flp_inquiry.inquiry.labels import school_year_label
from flp_inquiry.measures.privacy import MAX_ROWS, MIN_N, as_id_set, check_notebook_outputs, check_report
from flp_inquiry.packs.figures import (
    _refuse_external_references,
    chart_figure,
    chart_spec,
    clean_html_output,
    image_figure,
    with_alt_text,
)

REPORT_TEMPLATE = "report"
#: Times are shown where the principals are.
LOCAL_ZONE = "America/Los_Angeles"
ALL_SCHOOLS = "All schools"
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">[^<]*</a>')
_ATX_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
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


def running_header(header: ReportHeader) -> str:
    """What the top of every printed page after the first says: the school (or all schools), and the question.

    >>> running_header(ReportHeader("fresno", "Who is chronically absent?", 2025, "2025-03-01", school="Sample Oak"))
    'Sample Oak · Who is chronically absent?'
    >>> running_header(ReportHeader("long_beach", "Who is chronically absent?", 2025, "2025-03-01"))
    'All schools, Long Beach Unified · Who is chronically absent?'
    """
    facts = dict(header.facts())
    place = header.school or f"{ALL_SCHOOLS}, {facts['District']}"
    return f"{place} · {header.question}"


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element: for a print header's ``content``.

    Every character but ASCII letters and digits is written as a six-digit CSS escape (``\\0000f1``
    for ñ), so no quote, backslash, ``</style>`` or newline in a school's name can end the string or
    the style sheet; line breaks and tabs become spaces first.  (A space is escaped too: CSS takes a
    space after an escape as its end, so ``,`` then a space would lose the space.)

    >>> print(css_string('Peñasco, "K-8" </style>'))
    "Pe\\0000f1asco\\00002c\\000020\\000022K\\00002d8\\000022\\000020\\00003c\\00002fstyle\\00003e"
    """
    flat = " ".join(str(text).split())
    return Markup('"' + "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in flat) + '"')


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
    output holds ``text/html`` (a Markdown output's HTML escaped: :func:`markdown_as_text_html`) or ``text/plain``.
    """

    def preprocess(self, nb, resources):
        markdown_cells = [cell for cell in nb.cells if cell.cell_type == "markdown"]
        title = resources.get("report", {}).get("question")
        if markdown_cells and title:  # the header's h1 already says it: no second title under it
            markdown_cells[0].source = drop_repeated_title(markdown_cells[0].source, title)
        for cell, source in zip(markdown_cells, shift_headings([cell.source for cell in markdown_cells])):
            cell.source = source
        charts, self._table_ids = 0, set()  # (every table id in the report unique: clean_html_output)
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
        # the words the report uses that a principal may not know, explained at its end
        resources.setdefault("report", {})["glossary"] = glossary_html(terms_used(_report_words(nb)))
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
            return {"text/html": clean_html_output(data["text/html"], getattr(self, "_table_ids", set()))}
        if "text/markdown" in data:
            # a coach's own Markdown output: its emphasis kept, any HTML in it (a name from an export) shown as text
            return {"text/html": clean_html_output(f'<div class="prose">{markdown_as_text_html(data["text/markdown"])}</div>')}
        if "text/plain" in data:
            return {"text/plain": data["text/plain"]}
        return None


_TEXT_ONLY_MARKDOWN = None


_TAG = re.compile(r"<svg\b.*?</svg>|<[^>]+>", re.DOTALL | re.IGNORECASE)


def _report_words(nb) -> str:
    """The words a reader sees in a prepared notebook: its Markdown cells and outputs, without markup or charts."""
    texts = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            texts.append(html_text.unescape(_TAG.sub(" ", data["text/html"])) if "text/html" in data
                         else data.get("text/plain", ""))
    return "\n".join(texts)


def markdown_as_text_html(markdown: str) -> str:
    """Markdown from a notebook's output as HTML in which raw HTML is text and no link runs script.

    >>> markdown_as_text_html("- **Sample <img src=x onerror=alert(1)>** [x](javascript:alert(1))")
    '<ul>\\n<li><strong>Sample &lt;img src=x onerror=alert(1)&gt;</strong> <a href="#harmful-link">x</a></li>\\n</ul>\\n'
    """
    global _TEXT_ONLY_MARKDOWN
    if _TEXT_ONLY_MARKDOWN is None:
        import mistune

        _TEXT_ONLY_MARKDOWN = mistune.create_markdown(escape=True)
    return _TEXT_ONLY_MARKDOWN(markdown)


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
        The privacy rules (see :mod:`flp_inquiry.measures.privacy`).

    Returns
    -------
    Path
        ``out_html``.

    Raises
    ------
    flp_inquiry.measures.privacy.PrivacyError
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
        "running_header": running_header(header),
    }}
    html, _ = _report_exporter().from_notebook_node(nb, resources=resources)
    _refuse_external_references(html, "report")
    check_report(html, student_ids, min_n=min_n, max_rows=max_rows)
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
    exporter.register_filter("css_string", css_string)
    return exporter
