"""Normalized conversations to index documents: one per message, plus one record per
conversation that carries its content hash for re-import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import tantivy

from chatdex.model import Conversation, Message, Visibility
from chatdex.schema import IndexSchema
from chatdex.stored import CONVERSATION, MESSAGE
from chatdex.tokens import cjk_runs, extra_tokens, needs_own_tokens

# Part of every hash: bump it when parsing changes what a conversation normalizes to, so
# the next import of an unchanged export re-indexes it with the new parser.
PARSER_VERSION = 1


def content_hash(conversation: Conversation) -> int:
    """64 bits of BLAKE2b over the normalized conversation: equal for an unchanged one."""
    import hashlib  # here, not at the top: `chatdex search` never hashes, and it costs ~4 ms

    raw_digest, conversation.raw_digest = conversation.raw_digest, None
    try:
        payload = orjson.dumps((PARSER_VERSION, conversation))
    finally:
        conversation.raw_digest = raw_digest
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


# What chatdex adds to a text beyond tantivy's own tokens: pieces of split words for the
# field itself, and CJK runs for its `_cjk` twin (see tokens.py).
Own = tuple[tantivy.PreTokenizedString | None, list[str]]
_NONE: Own = (None, [])


def own_tokens(analyzer: tantivy.TextAnalyzer, text: str) -> Own:
    if not needs_own_tokens(text):
        return _NONE
    return extra_tokens(analyzer, text), cjk_runs(text)


def _document(
    fields: dict[str, Any], texts: dict[str, tuple[str, Own]], schema: IndexSchema
) -> tantivy.Document:
    """`fields` typed by the schema, plus `texts` with what chatdex adds to each."""
    fields.update((name, value) for name, (value, _) in texts.items())
    document = tantivy.Document.from_dict(fields, schema.schema)
    for name, (_, (extra, runs)) in texts.items():
        if extra is not None:
            document.add_pre_tokenized_text(name, extra)
        for run in runs:
            document.add_text(f"{name}_cjk", run)
    return document


def conversation_record(conversation: Conversation, digest: int, schema: IndexSchema) -> tantivy.Document:
    fields = _shared(conversation)
    fields.update(kind=CONVERSATION, conv_hash=digest, message_count=len(conversation.messages))
    fields["account"] = conversation.account
    if conversation.raw_digest is not None:
        fields["raw_digest"] = conversation.raw_digest
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
    analyzer = schema.tokenizers["chat_text"]
    # Every message carries the title: its own tokens are found once.
    title = (conversation.title, own_tokens(analyzer, conversation.title))
    return [_message(shared, title, message, fallback, schema, analyzer) for message in conversation.messages]


def _message(
    shared: dict[str, Any],
    title: tuple[str, Own],
    message: Message,
    fallback: datetime | None,
    schema: IndexSchema,
    analyzer: tantivy.TextAnalyzer,
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
    text = (message.text, own_tokens(analyzer, message.text))
    return _document(fields, {f"title{suffix}": title, f"text{suffix}": text}, schema)
