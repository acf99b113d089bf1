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
class _Marked:
    text: str
    tag = ""

    @property
    def html(self) -> str:
        return f"<{self.tag}>{html.escape(str(self.text), quote=False)}</{self.tag}>"


class Emphasis(_Marked):
    """Words set in italics (a hypothesis's "if"), shown as text whatever they hold."""

    tag = "em"


class Strong(_Marked):
    """Words set in bold (whom a report is about)."""

    tag = "strong"


class Code(_Marked):
    """Words set as written in code type (a value such as ``*``)."""

    tag = "code"


#: A part of a sentence: text, or anything with ``html`` and ``text`` (a word set apart, a claim's
#: figure or pointer: :mod:`flp_inquiry.inquiry.claims`).
Part = Union[str, _Marked]
#: A sentence: plain text, text in parts, or a claim (which knows its parts).
Line = Union[str, Sequence[Part]]


def _parts(line: Line) -> tuple[Part, ...]:
    if hasattr(line, "parts"):  # a claim: its text, figures and pointers
        return tuple(line.parts)
    return (line,) if isinstance(line, str) or hasattr(line, "html") else tuple(line)


def _part_html(part: Part) -> str:
    if isinstance(part, str):
        return html.escape(part, quote=False)
    return part.html


def _part_text(part: Part) -> str:
    return part if isinstance(part, str) else str(part.text)


def _line_attributes(kind: str) -> str:
    """A hypothesis's list item says so, with its verdict (``class="hypothesis" data-verdict="supported"``)."""
    if kind.startswith("hypothesis "):
        return f' class="hypothesis" data-verdict="{html.escape(kind.removeprefix("hypothesis "))}"'
    return ""


def _is_empty(line: Line) -> bool:
    return not "".join(_part_text(part) for part in _parts(line)).strip()


@dataclass(frozen=True)
class Block:
    """One heading, paragraph or list of a :class:`Prose`."""

    kind: str  # "heading", "paragraph" or "bullets"
    lines: tuple[tuple[Part, ...], ...]
    level: int = 0
    #: What each line is (a claim's kind: ``finding``, ``hypothesis supported`` ...), or ``""``.
    kinds: tuple[str, ...] = ()

    @property
    def html(self) -> str:
        rendered = ["".join(_part_html(part) for part in line) for line in self.lines]
        if self.kind == "heading":
            return f"<h{self.level}>{rendered[0]}</h{self.level}>"
        if self.kind == "paragraph":
            return f"<p>{rendered[0]}</p>"
        kinds = self.kinds or ("",) * len(rendered)
        return "<ul>\n" + "".join(f"<li{_line_attributes(kind)}>{line}</li>\n" for line, kind in zip(rendered, kinds)) + "</ul>"

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
    kept = [line for line in lines if not _is_empty(line)]
    kinds = tuple(str(getattr(line, "kind", "")) for line in kept)
    return Prose((Block("bullets", tuple(_parts(line) for line in kept), kinds=kinds),) if kept else ())


def section(title: str, lines: Sequence[Line], level: int = 2) -> Prose:
    """A heading and one bullet per sentence (empty sentences left out).

    >>> print(section("What the data shows", ["Math rose.", ""]))
    What the data shows
    <BLANKLINE>
    - Math rose.
    """
    return heading(title, level) + bullets(lines)
