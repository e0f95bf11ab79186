"""`chatdex stats`: what is in the index, computed from fast fields (no stored documents
are read, so it stays quick on millions of messages)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from chatdex import stored
from chatdex.store import open_for_read

_BUCKETS = 1000


def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return int(searcher.search(query, 1, count=True).count or 0)


def _terms(searcher: tantivy.Searcher, query: tantivy.Query, field: str) -> dict[str, int]:
    result = searcher.aggregate(query, {"agg": {"terms": {"field": field, "size": _BUCKETS}}})
    buckets = result.get("agg", {}).get("buckets", [])
    return {str(bucket["key"]): int(bucket["doc_count"]) for bucket in buckets}


def _date(value: Any) -> str | None:
    if value is None:
        return None
    # min/max over a date fast field come back as nanoseconds since the epoch.
    return datetime.fromtimestamp(float(value) / 1e9, UTC).isoformat().replace("+00:00", "Z")


def index_stats(index_path: Path) -> dict[str, Any]:
    store = open_for_read(index_path)
    schema = store.schema.schema
    searcher = store.index.searcher()
    messages = tantivy.Query.term_query(schema, "kind", stored.MESSAGE)
    conversations = tantivy.Query.term_query(schema, "kind", stored.CONVERSATION)
    message_count = _count(searcher, messages)
    bounds: dict[str, Any] = {}
    if message_count:
        result = searcher.aggregate(
            messages, {"first": {"min": {"field": "date"}}, "last": {"max": {"field": "date"}}}
        )
        bounds = {name: result.get(name, {}).get("value") for name in ("first", "last")}
    return {
        "index": str(store.path),
        "schema_version": store.schema.version,
        "conversations": _count(searcher, conversations),
        "messages": message_count,
        "by_source": _terms(searcher, messages, "source"),
        "by_role": _terms(searcher, messages, "role"),
        "by_model": _terms(searcher, messages, "model"),
        "by_visibility": _terms(searcher, messages, "visibility"),
        "by_year": dict(sorted(_terms(searcher, messages, "year").items())),
        "first_date": _date(bounds.get("first")),
        "last_date": _date(bounds.get("last")),
        "index_bytes": store.size_bytes(),
        "imports": list(store.meta.get("imports", [])),
    }
