"""How a value from a source file reaches a page: as text, never as markup.

Generated pages are HTML inside Markdown files; Markdown leaves HTML blocks alone, so escaping
for HTML (jinja2's autoescape) is the one rule. Control characters (a carriage return, the
separators some tools use, the Markdown stash markers) become spaces.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def plain(value: object) -> str:
    """A value as one piece of text without control characters (newlines and tabs kept)."""
    return _CONTROL.sub(" ", str(value))
