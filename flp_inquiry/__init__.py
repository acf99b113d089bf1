"""flp_inquiry: harmonised data, state metrics and inquiry notebooks for the Fresno-Long Beach Learning Partnership.

The package follows the data's way through the project, one subpackage per stage; a later stage
uses an earlier one, never the reverse (``tests/test_layout.py`` checks it):

- :mod:`flp_inquiry.ingest`: district exports and the state's files read, harmonised and stored;
- :mod:`flp_inquiry.measures`: the state's measures on them, suppression and privacy rules;
- :mod:`flp_inquiry.inquiry`: the notebooks' tools (an inquiry's scope, root-cause statistics,
  findings in words, charts and tables for principals, the explorer);
- :mod:`flp_inquiry.packs`: meeting packs run in parallel and rendered into reports.

``errors``, ``codes``, ``files``, ``spreadsheet`` and ``memo`` are the vocabulary every stage shares; ``cli`` and
``demo`` are the entry points.  What notebooks and users need is importable from here::

    from flp_inquiry import charts, findings, tables, start_inquiry
"""
import sys as _sys
from pathlib import Path as _Path

from flp_inquiry._exports import lazy_exports as _lazy_exports

__version__ = "0.1.0"

#: The report template and the new-question notebook (``templates/`` at the project's top).
TEMPLATES = _Path(__file__).resolve().parent.parent / "templates"

# jsonschema (under altair and nbformat) imports the optional `rfc3987_syntax` IRI checker,
# which builds ~35 Earley parsers at import: 1-3 s in every notebook kernel and pack worker
# (python-jsonschema/jsonschema#1428). Nothing here validates IRIs, so jsonschema is told it is absent.
_sys.modules.setdefault("rfc3987_syntax", None)

#: Public names, and the module each lives in (imported on first use).
EXPORTS = {
    # the notebooks' modules
    "charts": "flp_inquiry.inquiry.charts",
    "tables": "flp_inquiry.inquiry.tables",
    "findings": "flp_inquiry.inquiry.findings",
    "labels": "flp_inquiry.inquiry.labels",
    # one function per stage
    "harmonise_district": "flp_inquiry.ingest.harmonise:harmonise_district",
    "load_district": "flp_inquiry.ingest.store:load_district",
    "write_sample": "flp_inquiry.ingest.sample:write_sample",
    "metric_table": "flp_inquiry.measures.metrics:metric_table",
    "suppress_small_cells": "flp_inquiry.measures.suppression:suppress_small_cells",
    "start_inquiry": "flp_inquiry.inquiry.session:start_inquiry",
    "run_pack": "flp_inquiry.packs.batch:run_pack",
    "render_report": "flp_inquiry.packs.report:render_report",
    # errors a coach meets
    "FlpInquiryError": "flp_inquiry.errors:FlpInquiryError",
    "InputDataError": "flp_inquiry.errors:InputDataError",
    "ParameterError": "flp_inquiry.errors:ParameterError",
}
__getattr__, __dir__ = _lazy_exports(__name__, EXPORTS)
