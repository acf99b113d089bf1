"""Everything in a page that would make a browser fetch or run something: a report must hold none.

A principal opens a report from an email, offline, and school names in it come from another
system's export.  So the check reads the page as a browser does (its elements and attributes,
with character references decoded), not as text: a school called ``x src=https://evil`` is text
in a paragraph and trips nothing, while a real ``<img src>``, ``<svg onload>``, ``<a
href="javascript:...">``, ``srcset``, a CSS ``url()`` or ``@import``, ``<meta http-equiv>``, a
``<form action>`` or any ``<script>`` is found wherever it is.  Allowed: images inline as
``data:image/...``, references inside the page (``#id``, ``url(#clip)``), and links a reader may
click to a web page or another page of the pack (``<a href="https://...">``, ``<a
href="fresno/...html">``, which fetch nothing until clicked; never ``javascript:`` or ``data:``).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements that fetch, embed or run something by being there.
FORBIDDEN_ELEMENTS = frozenset({
    "script", "link", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "noscript",
})
#: Attributes holding an address the browser fetches on its own.
FETCHING_ATTRIBUTES = frozenset({
    "src", "srcset", "poster", "background", "lowsrc", "dynsrc", "data", "codebase", "archive", "manifest",
    "action", "formaction", "ping", "longdesc", "cite", "icon", "profile",
})
#: Where an ``href`` is only followed when clicked.
CLICKED_LINKS = frozenset({"a", "area"})
_INLINE_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"^(javascript|vbscript|livescript):", re.IGNORECASE)
#: A link a reader may click: to a web page, an email address, or (no scheme) another page of the pack.
_CLICKABLE = re.compile(r"^(https?:|mailto:|(?![a-z][a-z0-9+.-]*:))", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_ACTIVE = re.compile(r"@import|expression\s*\(|behavior\s*:|-moz-binding", re.IGNORECASE)
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme ("java\tscript:").
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")


def _address(value: str) -> str:
    return _IGNORED_IN_URLS.sub("", value)


def _css_problems(css: str) -> list[str]:
    problems = [match.group() for match in _CSS_ACTIVE.finditer(css)]
    for match in _CSS_URL.finditer(css):
        target = _address(match.group(2))
        if not (target.startswith("#") or _INLINE_IMAGE.match(target)):
            problems.append(match.group())
    return problems


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        shown = f"<{tag} " + " ".join(f'{name}="{(value or "")[:60]}"' for name, value in attrs) + ">"
        if tag in FORBIDDEN_ELEMENTS:
            self.found.append(shown if tag != "script" else f"<script> ({shown[:80]})")
        if tag == "meta" and any(name.lower() == "http-equiv" for name, _ in attrs):
            self.found.append(shown)
        if tag == "style":
            self._in_style = True
        for name, value in attrs:
            self._check_attribute(tag, name.lower(), value or "", shown)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend(_css_problems(data))

    def _check_attribute(self, tag: str, name: str, value: str, shown: str) -> None:
        address = _address(value)
        if name.startswith("on"):
            self.found.append(f'{name}="{value[:60]}" (an event handler, in {shown[:80]})')
        elif _SCRIPT_SCHEME.match(address):
            self.found.append(f'{name}="{value[:60]}"')
        elif name == "style":
            self.found.extend(_css_problems(value))
        elif name == "srcset":
            candidates = [candidate.strip().split()[0] for candidate in value.split(",") if candidate.strip()]
            self.found.extend(f'srcset="{c[:60]}"' for c in candidates if not _INLINE_IMAGE.match(_address(c)))
        elif name in FETCHING_ATTRIBUTES:
            if not (address.startswith("#") or (name == "src" and _INLINE_IMAGE.match(address))):
                self.found.append(f'{name}="{value[:60]}"')
        elif name in ("href", "xlink:href"):
            clickable = tag in CLICKED_LINKS and _CLICKABLE.match(address)
            if not (clickable or address.startswith("#") or _INLINE_IMAGE.match(address)):
                self.found.append(f'<{tag} {name}="{value[:60]}">')


def find_external_references(html: str) -> list[str]:
    """Everything in ``html`` that would make a browser fetch a file or run code (a report must hold none).

    >>> find_external_references('<a href="https://www.cde.ca.gov">CDE</a><img src="data:image/png;base64,AA==">')
    []
    >>> find_external_references('<p>Sample x src=https://evil.example &lt;img onerror=alert(1)&gt;</p>')  # text
    []
    >>> find_external_references('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script><p style="background:url(x.png)">')
    ['<script> (<script src="https://cdn.jsdelivr.net/npm/vega@6">)', 'src="https://cdn.jsdelivr.net/npm/vega@6"', 'url(x.png)']
    >>> find_external_references('<svg onload="f()"></svg><a href=" java&#9;script:alert(1)">x</a><img srcset="a.png 2x">')
    ['onload="f()" (an event handler, in <svg onload="f()">)', 'href=" java\\tscript:alert(1)"', 'srcset="a.png"']
    """
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found
