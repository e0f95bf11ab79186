"""Index documents as search and show read them back, and the kinds of document there are.
Kept apart from documents.py (which builds them) so that `chatdex search` imports neither
the normalized model nor the tokenizers' regexes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

MESSAGE = "message"
CONVERSATION = "conversation"

# Stored documents are read as tantivy's `Document.to_dict()`: one conversion per document,
# then plain dict lookups (each `get_all` call crosses into Rust again).
Stored = dict[str, list[Any]]


def first(doc: Stored, name: str) -> Any:
    """A stored field's value, or None when the document has none."""
    values = doc.get(name)
    return values[0] if values else None


def text_of(doc: Stored) -> str:
    """A message's text, from whichever of its visibility's fields holds it."""
    values = doc.get("text") or doc.get("text_hidden") or [""]
    return values[0]


def title_of(doc: Stored) -> str:
    values = doc.get("title") or doc.get("title_hidden") or doc.get("conv_title") or [""]
    return values[0]


def created(doc: Stored) -> datetime | None:
    """A message's own time; None where the export gave none (its `date` is then the
    conversation's)."""
    return first(doc, "date") if first(doc, "own_date") else None


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
