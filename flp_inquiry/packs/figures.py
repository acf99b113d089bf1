"""What a self-contained report shows for a notebook's outputs: charts as inline SVG, images inline, clean HTML.

Charts are drawn by vl-convert (no browser, no network); every chart and image carries a text
alternative; nothing in a report may make a browser fetch a file (:func:`find_external_references`).
"""
from __future__ import annotations

import html as html_text
import json
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Mapping

import vl_convert
from bs4 import BeautifulSoup

from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.packs.active_content import find_external_references
from flp_inquiry.packs.kernels import environment_variable

#: The alt text of an image whose notebook gave none (nbconvert's own says "No description has been provided").
NO_ALT_TEXT = "Figure from the analysis (no description was given)"

_VEGALITE_MIMETYPE = re.compile(r"^application/vnd\.vegalite\.v\d+[.+]json$")
_ALTAIR_EMBED_CALL = re.compile(r"\}\)\(\s*(?=\{)")  # Altair's HTML output: (function(spec, embedOpt){...})({spec}, ...)
_NUMERIC_CELL = re.compile(r"^([-+]?[\d,]*\.?\d+%?|\*|)$")
_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_CHART_KINDS = {
    "bar": "Bar chart", "line": "Line chart", "area": "Area chart", "point": "Dot chart", "circle": "Dot chart",
    "square": "Dot chart", "tick": "Strip chart", "rect": "Heat map", "arc": "Pie chart", "boxplot": "Box plot",
    "errorbar": "Chart with error bars", "rule": "Chart", "text": "Text chart",
}
class ReportError(FlpInquiryError):
    """A report or index could not be made self-contained, or its input is not usable."""


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


def clean_html_output(markup: str, used_ids: set[str] | None = None) -> str:
    """An HTML output (e.g. a DataFrame table) without scripts, embeds, event handlers or remote fetches.

    >>> clean_html_output('<style>@import url(https://x/y.css); td{color:red}</style><table onclick="f()"><tr><td>Oak</td><td>1</td></tr></table><script src="https://cdn/x.js"></script>')
    '<style> td{color:red}</style><table><tr><td class="text">Oak</td><td>1</td></tr></table>'

    ``used_ids``, the table ids of the report's outputs so far (added to): a table whose id is
    taken gets the next free one (``-2``, ``-3`` ...), its cells' ids and its styles with it, so
    that every id a sentence links to is unique in the report.

    >>> used = {"table-x"}
    >>> clean_html_output('<style>#table-x-row0_col1 {color: red}</style><table id="table-x"><tr><td id="table-x-row0_col1">1</td></tr></table>', used)
    '<style>#table-x-2-row0_col1 {color: red}</style><table id="table-x-2"><tr><td id="table-x-2-row0_col1">1</td></tr></table>'
    >>> sorted(used)
    ['table-x', 'table-x-2']
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
    if used_ids is not None:
        _renumber_table_ids(soup, used_ids)
    return str(soup)


def _renumber_table_ids(soup: BeautifulSoup, used_ids: set[str]) -> None:
    """Give each table whose id is in ``used_ids`` the next free one (its cells' ids and styles follow); note them."""
    for table in soup.find_all("table", id=True):
        old = str(table["id"])
        new, number = old, 1
        while new in used_ids:
            number += 1
            new = f"{old}-{number}"
        used_ids.add(new)
        if new == old:
            continue
        for element in soup.find_all(id=True):
            if element["id"] == old or str(element["id"]).startswith(old + "-"):
                element["id"] = new + str(element["id"])[len(old):]
        selector = re.compile("#" + re.escape(old) + r"(?![\w])")
        for style in soup.find_all("style"):
            style.string = selector.sub("#" + new, str(style.string or ""))


_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt\s*=)", re.IGNORECASE)


def with_alt_text(html: str) -> str:
    """``html`` with an alt text on every ``<img>`` (one in a Markdown cell's own HTML may lack it).

    >>> with_alt_text('<img src="data:image/png;base64,AA=="><img alt="Logo" src="x">')
    '<img alt="Figure from the analysis (no description was given)" src="data:image/png;base64,AA=="><img alt="Logo" src="x">'
    """
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT_TEXT}"', html)


def _refuse_external_references(html: str, what: str) -> None:
    references = find_external_references(html)
    if references:
        shown = "; ".join(sorted(set(references))[:5])
        raise ReportError(f"the {what} would fetch {len(references)} file(s) from elsewhere and would not open offline: {shown}")


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
    see :func:`flp_inquiry.packs.kernels.environment_variable`).  In a process that
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
