"""The state's own student files: the TOMS CAASPP and Summative ELPAC Student Score Data Files.

Every California district downloads the same two caret-delimited files from TOMS (the state's
Test Operations Management System), so they need no district mapping: ``--mapping toms``
(``flp_inquiry/mappings/toms.yaml``), or a district mapping whose source of ``kind: toms``
names them, harmonises them onto the canonical tables.

| module | concern |
|---|---|
| ``layouts`` | each year's header names (``data/toms_layouts.json``), the fields read with their names over the years |
| ``reader`` | one download read: its form, layout, records with their spreadsheet rows, every problem |
| ``values`` | each field's codes checked and typed; the rules across a record's fields |
| ``tables`` | records onto the canonical tables: results, the state's other tests apart, the CALPADS snapshot |
| ``sample``, ``sample_district`` | the synthetic files of a fictional third district (``flp-inquiry sample --format toms``) |
"""
