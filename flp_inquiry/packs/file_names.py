"""A school's report file name: bounded, safe on any file system, never reserved, never another school's.

A meeting pack writes ``<output>/<district>/<question>/<slug>.html``; the slug comes
from the school's name as the district's export writes it, whatever that holds
(path characters, ``..``, quotes, control characters, 300 characters), so it is made
of lower-case ASCII letters, digits and hyphens only, and two schools whose names
give the same slug are told apart by their school codes (:func:`school_slugs`).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Iterable, Mapping

from flp_inquiry.inquiry.questions import ALL_SCHOOLS

#: The slug of a district-wide report.
DISTRICT_SLUG = "district"
#: A school's report file name, before any school code that tells it apart, is at most this long.
MAX_SLUG_CHARACTERS = 60
#: File names a school's report never takes: the district-wide report's, "all" (the pack's word for
#: every school), the index's, and names Windows keeps for devices (reports are copied to shared drives).
RESERVED_SLUGS = frozenset({DISTRICT_SLUG, ALL_SCHOOLS, "index", "con", "prn", "aux", "nul",
                            *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))})


def slugify(name: str, limit: int = MAX_SLUG_CHARACTERS) -> str:
    """A school or question name as a file name: lower-case letters, digits and hyphens, at most ``limit`` of them.

    >>> slugify('O\\'Brien "Elementary"'), slugify("Édison K-8 / Annex"), slugify("../.."), slugify("x" * 300)[-3:]
    ('o-brien-elementary', 'edison-k-8-annex', 'school', 'xxx')
    >>> slugify("Sample Academy of Science and Technology for the Arts and Humanities", limit=40)
    'sample-academy-of-science-and-technology'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if len(slug) > limit:  # cut at a word's end where there is one
        cut = slug[:limit + 1]
        slug = cut[:cut.rindex("-")] if "-" in cut[1:] else slug[:limit]
        slug = slug.strip("-")
    return slug or "school"


def school_slugs(schools: Iterable[str], codes: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each school's report file name (without ``.html``) among ``schools``, every one different.

    The name's :func:`slugify`, unless another school's name gives the same one or
    it is a reserved name (:data:`RESERVED_SLUGS`): then the school's code follows
    (the school's 7 digits of its CDS code; ``school`` where no code is known),
    and a number if that is still taken.  ``"all"`` is the district-wide report:
    ``district``.  The names are worked out over the whole district's list, so a
    school's file is named the same in every pack.

    Examples
    --------
    >>> school_slugs(["all", "Lincoln", "LINCOLN", "District", "Oak"],
    ...              {"Lincoln": "10621660801234", "LINCOLN": "10621660805678", "District": "10621660990001"})
    {'all': 'district', 'Lincoln': 'lincoln-0801234', 'LINCOLN': 'lincoln-0805678', 'District': 'district-0990001', 'Oak': 'oak'}
    >>> school_slugs(["O'Brien", "O Brien", "Index"])
    {"O'Brien": 'o-brien-school', 'O Brien': 'o-brien-school-2', 'Index': 'index-school'}
    """
    codes = codes or {}
    names = list(dict.fromkeys(schools))
    first = {name: DISTRICT_SLUG if name == ALL_SCHOOLS else slugify(name) for name in names}
    sharing = Counter(first.values())
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        slug = first[name]
        if name != ALL_SCHOOLS and (slug in RESERVED_SLUGS or sharing[slug] > 1):
            slug = f"{slug}-{_code_words(codes.get(name))}"
        candidate, number = slug, 2
        while candidate in taken:
            candidate, number = f"{slug}-{number}", number + 1
        taken.add(candidate)
        slugs[name] = candidate
    return slugs


def _code_words(cds: str | None) -> str:
    """A school code as part of a file name: the school's 7 digits of a 14-digit CDS code.

    >>> _code_words("10621660801234"), _code_words("AB 12"), _code_words(None)
    ('0801234', 'ab-12', 'school')
    """
    if cds is None:
        return "school"
    text = str(cds).strip()
    return text[-7:] if re.fullmatch(r"\d{14}", text) else slugify(text, limit=20)
