"""Normalized conversations to index documents: one per message, plus one record per
conversation that carries its content hash for re-import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import tantivy

from chatdex.model import Conversation, Message, Visibility
from chatdex.schema import IndexSchema
from chatdex.tokens import extra_tokens, needs_own_tokens

# Part of every hash: bump it when parsing changes what a conversation normalizes to, so
# the next import of an unchanged export re-indexes it with the new parser.
PARSER_VERSION = 1

MESSAGE = "message"
CONVERSATION = "conversation"


def content_hash(conversation: Conversation) -> int:
    """64 bits of BLAKE2b over the normalized conversation: equal for an unchanged one."""
    import hashlib  # here, not at the top: `chatdex search` never hashes, and it costs ~4 ms

    payload = orjson.dumps((PARSER_VERSION, conversation))
    return int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "big")


def conversation_ordinal(key: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _shared(conversation: Conversation) -> dict[str, Any]:
    """What every message of a conversation carries: what search filters, groups and shows
    per hit. The rest of the conversation's details live on its record only; converting a
    date is the dearest part of building a document."""
    fields: dict[str, Any] = {
        "conv_key": conversation.key,
        "conv_ord": conversation_ordinal(conversation.key),
        "source": conversation.source,
        "conversation_id": conversation.id,
    }
    if conversation.url:
        fields["url"] = conversation.url
    return fields


def _dated(fields: dict[str, Any], when: datetime | None) -> None:
    if when is not None:
        fields["date"] = when
        fields["year"] = when.year


def _document(fields: dict[str, Any], texts: dict[str, str], schema: IndexSchema) -> tantivy.Document:
    """`fields` typed by the schema, plus `texts`, each with the extra tokens of the words the
    simple tokenizer keeps whole (CJK, camelCase; see tokens.py) as a second value."""
    fields.update(texts)
    document = tantivy.Document.from_dict(fields, schema.schema)
    analyzer = schema.tokenizers["chat_text"]
    for name, value in texts.items():
        if needs_own_tokens(value):
            extra = extra_tokens(analyzer, value)
            if extra is not None:
                document.add_pre_tokenized_text(name, extra)
    return document


def conversation_record(conversation: Conversation, digest: int, schema: IndexSchema) -> tantivy.Document:
    fields = _shared(conversation)
    fields.update(kind=CONVERSATION, conv_hash=digest, message_count=len(conversation.messages))
    fields["account"] = conversation.account
    optional = {
        "conv_created": conversation.created,
        "conv_updated": conversation.updated,
        "gizmo_id": conversation.gizmo_id,
        "project_id": conversation.project_id,
    }
    fields.update({name: value for name, value in optional.items() if value is not None})
    if conversation.model:
        fields["model"] = conversation.model
    _dated(fields, conversation.created or conversation.updated)
    fields["conv_title"] = conversation.title
    return tantivy.Document.from_dict(fields, schema.schema)


def message_documents(conversation: Conversation, schema: IndexSchema) -> list[tantivy.Document]:
    shared = _shared(conversation)
    fallback = conversation.created or conversation.updated
    return [
        _message(shared, conversation.title, message, fallback, schema) for message in conversation.messages
    ]


def _message(
    shared: dict[str, Any], title: str, message: Message, fallback: datetime | None, schema: IndexSchema
) -> tantivy.Document:
    fields = dict(shared)
    fields.update(
        kind=MESSAGE,
        message_id=message.id,
        role=message.role,
        content_type=message.content_type,
        visibility=str(message.visibility),
        on_current_branch=message.on_current_branch,
        position=message.position,
    )
    optional = {
        "parent_id": message.parent_id,
        "author_name": message.author_name,
        "model": message.model,
    }
    fields.update({name: value for name, value in optional.items() if value is not None})
    if message.attachments:
        fields["attachments"] = message.attachments
    _dated(fields, message.created or fallback)
    fields["own_date"] = message.created is not None
    suffix = "" if message.visibility == Visibility.SEEN else "_hidden"
    return _document(fields, {f"title{suffix}": title, f"text{suffix}": message.text}, schema)


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
