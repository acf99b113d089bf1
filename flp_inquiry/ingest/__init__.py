"""Stage 1, ingest: a district's export (or the state's files) read, mapped onto the canonical tables, stored.

| module | concern |
|---|---|
| ``mapping`` | a district's mapping YAML: its export format onto the canonical schema |
| ``readers`` | raw files to string frames, encodings checked, spreadsheet row numbers kept |
| ``schema`` | the canonical tables (pandera), validated lazily |
| ``harmonise`` | the mapping applied, validated, written atomically as Parquet with a manifest |
| ``failures`` | a canonical rule broken, said at the export's file, row, column and value |
| ``toms`` | the state's own score files (TOMS CAASPP, Summative ELPAC) of any district: read, mapped, sampled |
| ``catalog`` | where harmonised tables are; a district's years, schools and student keys |
| ``store`` | harmonised tables reloaded (``load_district``) |
| ``sample``, ``sample_students``, ``sample_years``, ``sample_growth`` | deterministic synthetic exports of both districts, their planted growth |
| ``public_text``, ``public``, ``dashboard_downloads`` | the state's public files |
"""
from flp_inquiry._exports import lazy_exports as _lazy_exports

#: Public names, and the module each lives in (imported on first use).
EXPORTS = {
    "load_mapping": "flp_inquiry.ingest.mapping:load_mapping",
    "harmonise_district": "flp_inquiry.ingest.harmonise:harmonise_district",
    "DistrictData": "flp_inquiry.ingest.store:DistrictData",
    "load_district": "flp_inquiry.ingest.store:load_district",
    "read_table": "flp_inquiry.ingest.store:read_table",
    "summarise_districts": "flp_inquiry.ingest.store:summarise_districts",
    "write_sample": "flp_inquiry.ingest.sample:write_sample",
    "planted_growth_effects": "flp_inquiry.ingest.sample_growth:planted_growth_effects",
    "read_toms_files": "flp_inquiry.ingest.toms.reader:read_toms_files",
    "write_toms_sample": "flp_inquiry.ingest.toms.sample:write_toms_sample",
    "read_caaspp_entities": "flp_inquiry.ingest.public:read_caaspp_entities",
    "read_caaspp_research_file": "flp_inquiry.ingest.public:read_caaspp_research_file",
    "read_student_groups": "flp_inquiry.ingest.public:read_student_groups",
    "read_dashboard_download": "flp_inquiry.ingest.dashboard_downloads:read_dashboard_download",
}
__getattr__, __dir__ = _lazy_exports(__name__, EXPORTS)
