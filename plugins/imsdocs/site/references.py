"""Ids cited in a page's text become links to the document that holds them (POL-021, R-IS-03).

Done on the page's HTML, in text only: never inside a link, code, a heading or a script, and never
to a document this build withholds or to the page itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from markupsafe import escape

from ..model.documents import REFERENCE, Document

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>|<!--.*?-->", re.S)
_SKIP = {"a", "code", "pre", "script", "style", "h1", "h2", "h3", "h4", "h5", "h6", "textarea", "title"}


def link_references(html: str, targets: Mapping[str, Document], href: Callable[[Document], str | None]) -> str:
    """`html` with each cited id in running text linked; `href` gives a document's URL, or None for no link."""
    if REFERENCE.search(html) is None:  # most pages cite nothing: no need to walk their tags
        return html
    out: list[str] = []
    skipping: list[str] = []
    position = 0
    for tag in _TAG.finditer(html):
        out.append(_link(html[position : tag.start()], targets, href) if not skipping else html[position : tag.start()])
        out.append(tag.group(0))
        name = (tag.group(2) or "").lower()
        if name in _SKIP and not tag.group(0).endswith("/>"):
            if tag.group(1):
                if skipping and skipping[-1] == name:
                    skipping.pop()
            else:
                skipping.append(name)
        position = tag.end()
    out.append(_link(html[position:], targets, href) if not skipping else html[position:])
    return "".join(out)


def _link(text: str, targets: Mapping[str, Document], href: Callable[[Document], str | None]) -> str:
    def replace(match: re.Match[str]) -> str:
        target = targets.get(match.group(1))
        url = href(target) if target is not None else None
        if url is None:
            return match.group(0)
        return f'<a href="{escape(url)}" class="ims-reference">{escape(match.group(1))}</a>'

    return REFERENCE.sub(replace, text)
