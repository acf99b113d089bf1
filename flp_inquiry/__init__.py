"""flp_inquiry: harmonised data, state metrics and inquiry notebooks for the Fresno-Long Beach Learning Partnership."""
import sys as _sys
from pathlib import Path as _Path

__version__ = "0.1.0"

#: The report template and the new-question notebook (``templates/`` at the project's top).
TEMPLATES = _Path(__file__).resolve().parent.parent / "templates"

# jsonschema (under altair and nbformat) imports the optional `rfc3987_syntax` IRI checker,
# which builds ~35 Earley parsers at import: 1-3 s in every notebook kernel and pack worker
# (python-jsonschema/jsonschema#1428). Nothing here validates IRIs, so jsonschema is told it is absent.
_sys.modules.setdefault("rfc3987_syntax", None)
