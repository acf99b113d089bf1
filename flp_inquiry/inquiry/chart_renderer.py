"""How this package's charts show in a notebook: offline, drawn by JupyterLab itself.

Altair's default renderer writes HTML that loads Vega from a CDN; :func:`notebook_renderer`
(``"flp-inquiry"``, enabled by :func:`use_notebook_renderer`) sends the Vega-Lite spec, the chart's
description as text and, in JupyterLab, the chart compiled to Vega by vl-convert.
"""
from __future__ import annotations

import os

import altair as alt
import pandas as pd  # noqa: F401  (the examples)

VEGALITE_MIMETYPE = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
#: What JupyterLab 4 draws with the Vega it ships (no Vega-Lite 6 there yet).
JUPYTERLAB_VEGA_MIMETYPE = "application/vnd.vega.v5+json"


def notebook_renderer(spec: dict, **_metadata) -> dict:
    """Altair's renderer for this package's notebooks (``"flp-inquiry"``: :func:`use_notebook_renderer`).

    Altair's default writes HTML that loads Vega from a CDN, so a coach offline or
    behind a district firewall would see no chart. This writes the Vega-Lite spec
    (what reports draw as SVG), the chart's description as text, and, while
    :data:`DRAW_IN_JUPYTERLAB` holds, the chart compiled to Vega (vl-convert) for
    JupyterLab to draw itself, offline, with its tooltips. A pack's kernels leave
    that out: their reports never show it.

    >>> bundle = notebook_renderer({"mark": "bar", "description": "One bar.", "data": {"values": [{"a": 1}]}})
    >>> sorted(bundle), bundle["text/plain"]
    (['application/vnd.vega.v5+json', 'application/vnd.vegalite.v6+json', 'text/plain'], 'One bar.')
    """
    bundle = {VEGALITE_MIMETYPE: spec, "text/plain": str(spec.get("description") or "A chart.")}
    if DRAW_IN_JUPYTERLAB:
        import vl_convert

        vega = vl_convert.vegalite_to_vega(spec)
        vega["$schema"] = "https://vega.github.io/schema/vega/v5.json"  # the same grammar for these charts
        bundle[JUPYTERLAB_VEGA_MIMETYPE] = vega
    return bundle


#: Whether charts carry a Vega spec for JupyterLab (:func:`notebook_renderer`). A pack's kernels run with
#: ``FLP_INQUIRY_BATCH=1`` (:data:`flp_inquiry.packs.kernels.BATCH_ENVIRONMENT`): their reports never show it.
DRAW_IN_JUPYTERLAB = os.environ.get("FLP_INQUIRY_BATCH") != "1"

alt.renderers.register("flp-inquiry", notebook_renderer)


def use_notebook_renderer() -> None:
    """Show Altair charts with :func:`notebook_renderer` from now on (every notebook's ``start_inquiry`` does).

    >>> use_notebook_renderer(); alt.renderers.active
    'flp-inquiry'

    In JupyterLab, vl-convert's engine (about a second to start) starts meanwhile on a thread of its
    own, so that the first chart does not wait for it while the district loads and is analysed.
    """
    global _engine_warming
    alt.renderers.enable("flp-inquiry")
    if DRAW_IN_JUPYTERLAB and _engine_warming is None:
        import threading

        import vl_convert

        _engine_warming = threading.Thread(target=vl_convert.vegalite_to_vega, args=({"mark": "point"},),
                                           name="vl-convert warm-up", daemon=True)
        _engine_warming.start()


_engine_warming = None


def unchecked_bundle(chart: alt.TopLevelMixin) -> dict:
    """What displaying ``chart`` sends JupyterLab, without checking its spec against Vega-Lite's schema again.

    The explorer's redraws show the same few kinds of chart again and again, each kind checked by
    the tests; the check is a third of a chart's cost.

    >>> sorted(unchecked_bundle(alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q")))[-1]
    'text/plain'
    """
    return notebook_renderer(chart.to_dict(validate=False, context={"pre_transform": False}))
