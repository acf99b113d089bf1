"""Stage 4, packs: a meeting pack's notebooks run for every district, question and school, rendered for principals.

| module | concern |
|---|---|
| ``pack`` | a pack file read and checked, expanded to its grid of jobs |
| ``batch`` | a pack run: unchanged jobs skipped, the rest in parallel, state and index written |
| ``job_spec`` | one job as plain data, for a worker here or on a Dask cluster |
| ``executors`` | local worker processes or Dask (no papermill in the process that starts a run) |
| ``jobs`` | one job in a worker: the notebook run in a fresh kernel, its report rendered |
| ``kernels`` | fresh kernels forked from one preloaded template process |
| ``figures`` | charts as inline SVG, images inline, clean HTML: nothing fetched from elsewhere |
| ``report`` | an executed notebook as a self-contained report for principals |
| ``index`` | the pack's index page |
"""
from flp_inquiry._exports import lazy_exports as _lazy_exports

#: Public names, and the module each lives in (imported on first use).
EXPORTS = {
    "Pack": "flp_inquiry.packs.pack:Pack",
    "load_pack": "flp_inquiry.packs.pack:load_pack",
    "run_pack": "flp_inquiry.packs.batch:run_pack",
    "render_report": "flp_inquiry.packs.report:render_report",
    "ReportHeader": "flp_inquiry.packs.report:ReportHeader",
    "render_index": "flp_inquiry.packs.index:render_index",
}
__getattr__, __dir__ = _lazy_exports(__name__, EXPORTS)
