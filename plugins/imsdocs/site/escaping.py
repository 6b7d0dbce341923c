"""How a value from a source file reaches a page: as text, never as markup."""

from __future__ import annotations

import re

# One pass over the text, so that an entity we write is never escaped again.
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "|": "&#124;",
    "*": "&#42;",
    "_": "&#95;",
    "`": "&#96;",
    "[": "&#91;",
    "]": "&#93;",
    "\\": "&#92;",
}
_ESCAPE_PATTERN = re.compile("|".join(re.escape(c) for c in _ESCAPES))


def escape(value: object) -> str:
    """Plain text made safe inside Markdown (tables included) and HTML."""
    return _ESCAPE_PATTERN.sub(lambda m: _ESCAPES[m.group(0)], str(value).replace("\n", " "))
