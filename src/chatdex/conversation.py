"""`chatdex show` and `chatdex open`: one conversation back from the index, found by its id
or a unique prefix of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy

from chatdex import stored
from chatdex.errors import InvalidQuery
from chatdex.query import conversation_prefix
from chatdex.store import Store, open_for_read
from chatdex.stored import Stored, first, iso, text_of
from chatdex.stored import created as created_at

_MAX_CANDIDATES = 5


@dataclass
class ShownMessage:
    message_id: str
    parent_id: str | None
    role: str
    author_name: str | None
    content_type: str
    visibility: str
    created: datetime | None
    position: int
    on_current_branch: bool
    model: str | None
    text: str
    attachments: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "parent_id": self.parent_id,
            "role": self.role,
            "author_name": self.author_name,
            "content_type": self.content_type,
            "visibility": self.visibility,
            "created": iso(self.created),
            "position": self.position,
            "on_current_branch": self.on_current_branch,
            "model": self.model,
            "text": self.text,
            "attachments": self.attachments,
        }


@dataclass
class ShownConversation:
    conversation_id: str
    source: str
    title: str
    url: str | None
    created: datetime | None
    updated: datetime | None
    model: str | None
    messages: list[ShownMessage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "source": self.source,
            "title": self.title,
            "url": self.url,
            "created": iso(self.created),
            "updated": iso(self.updated),
            "model": self.model,
            "messages": [message.to_dict() for message in self.messages],
        }


def _record(store: Store, prefix: str) -> Stored:
    schema = store.schema.schema
    searcher = store.index.searcher()
    query = tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, "kind", stored.CONVERSATION)),
            (tantivy.Occur.Must, conversation_prefix(schema, prefix.strip())),
        ]
    )
    result = searcher.search(query, _MAX_CANDIDATES + 1, count=True)
    loaded = [searcher.doc(address).to_dict() for _, address in result.hits]
    docs = sorted(loaded, key=lambda d: first(d, "conversation_id"))
    exact = [doc for doc in docs if first(doc, "conversation_id") == prefix.strip()]
    if len(exact) == 1 or len(docs) == 1:
        return (exact or docs)[0]
    if not docs:
        raise InvalidQuery(f"no conversation with an id starting {prefix!r}; `chatdex search` shows ids")
    listed = "; ".join(
        f"{first(d, 'conversation_id')} ({first(d, 'conv_title') or 'untitled'})" for d in docs[:3]
    )
    raise InvalidQuery(f"{prefix!r} matches {result.count} conversations ({listed}); give more of the id")


def load(index_path: Path, prefix: str) -> ShownConversation:
    store = open_for_read(index_path)
    record = _record(store, prefix)
    schema = store.schema.schema
    searcher = store.index.searcher()
    query = tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, "kind", stored.MESSAGE)),
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, "conv_key", first(record, "conv_key"))),
        ]
    )
    count = max(int(first(record, "message_count") or 0), 1)
    hits = searcher.search(query, count, order_by_field="position", order=tantivy.Order.Asc).hits
    shown = ShownConversation(
        conversation_id=first(record, "conversation_id"),
        source=first(record, "source"),
        title=first(record, "conv_title") or "",
        url=first(record, "url"),
        created=first(record, "conv_created"),
        updated=first(record, "conv_updated"),
        model=first(record, "model"),
    )
    for _, address in hits:
        doc = searcher.doc(address).to_dict()
        shown.messages.append(
            ShownMessage(
                message_id=first(doc, "message_id"),
                parent_id=first(doc, "parent_id"),
                role=first(doc, "role"),
                author_name=first(doc, "author_name"),
                content_type=first(doc, "content_type"),
                visibility=first(doc, "visibility"),
                created=created_at(doc),
                position=int(first(doc, "position") or 0),
                on_current_branch=bool(first(doc, "on_current_branch")),
                model=first(doc, "model"),
                text=text_of(doc),
                attachments=doc.get("attachments", []),
            )
        )
    return shown


def url_of(index_path: Path, prefix: str) -> str | None:
    return first(_record(open_for_read(index_path), prefix), "url")
