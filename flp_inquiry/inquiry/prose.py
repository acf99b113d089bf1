"""Text a reader sees, built so that text from data is only ever text.

School, group and course names come from another system's export: one containing ``<img
onerror=...>``, ``[x](javascript:...)``, ``**x**`` or a bare URL must reach a report exactly as
written, never as markup, a link or emphasis.  So nothing a notebook shows is Markdown: sentences
are plain text, and the few words code sets apart (:class:`Emphasis`, :class:`Strong`,
:class:`Code`) are structure, not characters in the text.  A :class:`Prose` shows as HTML in
which every character of every text is escaped (and as plain text), in JupyterLab and in a report.

>>> note = bullets(["Math rose at <b>Sample Oak</b>.", [Emphasis("If *attendance* matters"), ", scores fall."]])
>>> print(note.html)
<div class="prose"><ul>
<li>Math rose at &lt;b&gt;Sample Oak&lt;/b&gt;.</li>
<li><em>If *attendance* matters</em>, scores fall.</li>
</ul></div>
>>> print(note)
- Math rose at <b>Sample Oak</b>.
- If *attendance* matters, scores fall.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Sequence, Union


@dataclass(frozen=True)
class Emphasis:
    """Words set in italics (a hypothesis's "if"), shown as text whatever they hold."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Words set in bold (whom a report is about)."""

    text: str


@dataclass(frozen=True)
class Code:
    """Words set as written in code type (a value such as ``*``)."""

    text: str


Part = Union[str, Emphasis, Strong, Code]
#: A sentence: plain text, or text in parts.
Line = Union[str, Sequence[Part]]

_TAGS = {Emphasis: "em", Strong: "strong", Code: "code"}


def _parts(line: Line) -> tuple[Part, ...]:
    return (line,) if isinstance(line, (str, Emphasis, Strong, Code)) else tuple(line)


def _part_html(part: Part) -> str:
    if isinstance(part, str):
        return html.escape(part, quote=False)
    tag = _TAGS[type(part)]
    return f"<{tag}>{html.escape(str(part.text), quote=False)}</{tag}>"


def _part_text(part: Part) -> str:
    return part if isinstance(part, str) else str(part.text)


def _is_empty(line: Line) -> bool:
    return not "".join(_part_text(part) for part in _parts(line)).strip()


@dataclass(frozen=True)
class Block:
    """One heading, paragraph or list of a :class:`Prose`."""

    kind: str  # "heading", "paragraph" or "bullets"
    lines: tuple[tuple[Part, ...], ...]
    level: int = 0

    @property
    def html(self) -> str:
        rendered = ["".join(_part_html(part) for part in line) for line in self.lines]
        if self.kind == "heading":
            return f"<h{self.level}>{rendered[0]}</h{self.level}>"
        if self.kind == "paragraph":
            return f"<p>{rendered[0]}</p>"
        return "<ul>\n" + "".join(f"<li>{line}</li>\n" for line in rendered) + "</ul>"

    @property
    def text(self) -> str:
        lines = ["".join(_part_text(part) for part in line) for line in self.lines]
        if self.kind == "bullets":
            return "\n".join(f"- {line}" for line in lines)
        return lines[0]


@dataclass(frozen=True)
class Prose:
    """Headings, paragraphs and bullets for a reader; shown as escaped HTML (and plain text).

    Two of them add up to one (``heading(...) + bullets(...)``).  An empty one shows nothing.

    >>> (heading("What stands out", 3) + paragraph("Nothing.")).html
    '<div class="prose"><h3>What stands out</h3>\\n<p>Nothing.</p></div>'
    """

    blocks: tuple[Block, ...] = ()

    def __add__(self, other: "Prose") -> "Prose":
        return Prose(self.blocks + other.blocks)

    @property
    def html(self) -> str:
        """The HTML: a ``div.prose`` whose every text is escaped."""
        return '<div class="prose">' + "\n".join(block.html for block in self.blocks) + "</div>"

    @property
    def text(self) -> str:
        """The same words as plain text (bullets as ``- ``)."""
        return "\n\n".join(block.text for block in self.blocks)

    def __str__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        # IPython (JupyterLab, papermill) shows HTML, never Markdown: nothing in the text is read as markup
        return {"text/html": self.html, "text/plain": self.text} if self.blocks else {}


def heading(text: str, level: int = 2) -> Prose:
    """A heading (level 2-4 in a notebook; the report's title is its only level 1).

    >>> heading("Math <and> ELA", 3).html
    '<div class="prose"><h3>Math &lt;and&gt; ELA</h3></div>'
    """
    return Prose((Block("heading", (_parts(text),), level),))


def paragraph(*parts: Part) -> Prose:
    """One paragraph of text in parts.

    >>> paragraph(Strong("Sample Oak, 2024-25."), " Groups under 11 are shown as ", Code("*"), ".").html
    '<div class="prose"><p><strong>Sample Oak, 2024-25.</strong> Groups under 11 are shown as <code>*</code>.</p></div>'
    """
    return Prose((Block("paragraph", (tuple(parts),)),))


def bullets(lines: Sequence[Line]) -> Prose:
    """One bullet per sentence; empty sentences left out (no sentence, nothing shown).

    >>> print(bullets(["Math rose.", "", "ELA held."]))
    - Math rose.
    - ELA held.
    >>> bullets(["", ""])._repr_mimebundle_()
    {}
    """
    kept = tuple(_parts(line) for line in lines if not _is_empty(line))
    return Prose((Block("bullets", kept),) if kept else ())


def section(title: str, lines: Sequence[Line], level: int = 2) -> Prose:
    """A heading and one bullet per sentence (empty sentences left out).

    >>> print(section("What the data shows", ["Math rose.", ""]))
    What the data shows
    <BLANKLINE>
    - Math rose.
    """
    return heading(title, level) + bullets(lines)
