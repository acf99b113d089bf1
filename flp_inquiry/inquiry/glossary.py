"""The words a report uses that a principal may not know, and what they mean.

The terms and their meanings are data (``flp_inquiry/data/glossary.yaml``); a report lists, at its
end, only the terms its own words use (:func:`terms_used`), in the order of the file.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=None)
def glossary() -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """Every term of ``glossary.yaml``: ``(term, words that show it is used, meaning)``.

    >>> any(term.startswith("English Learner Progress") for term, _, _ in glossary())
    True
    """
    text = resources.files("flp_inquiry").joinpath("data", "glossary.yaml").read_text("utf-8")
    return tuple((entry["term"], tuple(str(m) for m in entry["match"]), " ".join(entry["meaning"].split()))
                 for entry in yaml.safe_load(text))


@lru_cache(maxsize=None)
def _pattern(word: str) -> re.Pattern:
    # whole words only: "SED" is not found in "used", "EL" not in "level"
    return re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")


def terms_used(text: str) -> list[tuple[str, str]]:
    """The glossary's terms that ``text`` uses, with their meanings.

    >>> [term for term, _ in terms_used("ELPI rose for English learners; 12.0 percentage points.")]
    ['English learner (EL)', 'English Learner Progress (ELPI)', 'Percentage points']
    >>> terms_used("Nothing to explain here.")
    []
    """
    return [(term, meaning) for term, words, meaning in glossary() if any(_pattern(w).search(text) for w in words)]


def glossary_html(terms: list[tuple[str, str]]) -> str:
    """The terms as a section of a report (every text escaped); ``""`` for none.

    >>> glossary_html([("ELPI", "Progress <of> ELs.")])
    '<section class="glossary"><h2>Words used in this report</h2>\\n<dl>\\n<dt>ELPI</dt><dd>Progress &lt;of&gt; ELs.</dd>\\n</dl></section>'
    """
    if not terms:
        return ""
    items = "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>\n" for term, meaning in terms)
    return f'<section class="glossary"><h2>Words used in this report</h2>\n<dl>\n{items}</dl></section>'
