"""Links from published pages to documents this build withholds become plain text.

A link to a page that is not built would fail MkDocs' link validation and point at nothing; the
reader learns that the document exists at a higher classification, not where it is.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Set
from urllib.parse import unquote

_INLINE_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")


def unlink_withheld(markdown: str, origin: str, withheld: Set[str]) -> str:
    """`markdown` with every inline link to a withheld source path replaced by its text."""
    if not withheld:
        return markdown
    folder = posixpath.dirname(origin)

    def replace(match: re.Match[str]) -> str:
        target = unquote(match.group(3).split("#", 1)[0])
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or not target:
            return match.group(0)
        if posixpath.normpath(posixpath.join(folder, target)) not in withheld:
            return match.group(0)
        return f"{match.group(2)} (not published on this site)" if not match.group(1) else ""

    return _INLINE_LINK.sub(replace, markdown)
