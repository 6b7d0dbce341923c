"""How a document that a build withholds is named wherever it would be listed.

The site, the exports and the PDFs all say the same thing: that a document of a higher
classification exists (and its id where `withheld_ids_up_to` allows), never its title or path.
"""

from __future__ import annotations

from ..options import Settings
from .documents import Document


def withheld_name(doc: Document, settings: Settings) -> str:
    """ "a confidential document", with "(ID)" when the id may be shown at that classification."""
    limit = settings.withheld_ids_up_to
    shown_id = limit is not None and settings.level(doc.classification) <= settings.level(limit)
    article = "an" if doc.classification[:1].lower() in "aeiou" else "a"
    return f"{article} {doc.classification} document" + (f" ({doc.id})" if shown_id else "")
