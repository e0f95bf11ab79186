"""`chatdex search`: run a compiled query, group hits by conversation, make snippets and
gather the turns around each hit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy

from chatdex import documents
from chatdex.documents import created as created_at
from chatdex.documents import first, iso
from chatdex.errors import InvalidQuery
from chatdex.query import Compiled, Filters, compile_query
from chatdex.store import Store, open_for_read
from chatdex.tokens import is_cjk

MAX_LIMIT = 1000
MAX_OFFSET = 10_000
SNIPPET_CHARS = 200
SORTS = ("relevance", "newest", "oldest")


@dataclass
class SearchOptions:
    query: str
    filters: Filters = field(default_factory=Filters)
    fuzzy: bool = False
    sort: str = "relevance"
    grouped: bool = True
    limit: int = 10
    offset: int = 0
    context: int = 0  # turns before and after the hit, on the same branch


@dataclass
class Turn:
    message_id: str
    role: str
    text: str
    created: datetime | None
    position: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "role": self.role,
            "text": self.text,
            "created": iso(self.created),
            "position": self.position,
        }


@dataclass
class Hit:
    conversation_id: str
    message_id: str
    title: str
    role: str
    model: str | None
    source: str
    created: datetime | None
    date: datetime | None
    score: float | None
    snippet: str
    highlights: list[tuple[int, int]]
    url: str | None
    on_current_branch: bool
    matches_in_conversation: int
    before: list[Turn] = field(default_factory=list)
    after: list[Turn] = field(default_factory=list)

    def to_dict(self, with_context: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "conversation_id": self.conversation_id,
            "message_id": self.message_id,
            "title": self.title,
            "role": self.role,
            "model": self.model,
            "source": self.source,
            "created": iso(self.created),
            "score": self.score,
            "snippet": self.snippet,
            "url": self.url,
            "on_current_branch": self.on_current_branch,
            "matches_in_conversation": self.matches_in_conversation,
        }
        if with_context:
            data["context"] = {
                "before": [turn.to_dict() for turn in self.before],
                "after": [turn.to_dict() for turn in self.after],
            }
        return data


def validate(options: SearchOptions) -> None:
    if not 1 <= options.limit <= MAX_LIMIT:
        raise InvalidQuery(f"--limit must be between 1 and {MAX_LIMIT}, not {options.limit}")
    if not 0 <= options.offset <= MAX_OFFSET:
        raise InvalidQuery(f"--offset must be between 0 and {MAX_OFFSET:,}, not {options.offset}")
    if options.sort not in SORTS:
        raise InvalidQuery(f"--sort must be one of {', '.join(SORTS)}, not {options.sort!r}")
    if not 0 <= options.context <= 50:
        raise InvalidQuery(f"--context must be between 0 and 50, not {options.context}")


class _Searcher:
    def __init__(self, store: Store, options: SearchOptions, compiled: Compiled) -> None:
        self.schema = store.schema.schema
        self.searcher = store.index.searcher()
        self.options = options
        self.compiled = compiled

    def _page(self, size: int, offset: int) -> list[tuple[Any, tantivy.DocAddress]]:
        order = {"newest": tantivy.Order.Desc, "oldest": tantivy.Order.Asc}.get(self.options.sort)
        if order is None:
            return self.searcher.search(self.compiled.query, size, count=False, offset=offset).hits
        return self.searcher.search(
            self.compiled.query, size, count=False, offset=offset, order_by_field="date", order=order
        ).hits

    def ranked(self) -> list[tuple[Any, tantivy.DocAddress]]:
        """The hits to show: one per conversation (its best) unless messages were asked for."""
        wanted = self.options.offset + self.options.limit
        if not self.options.grouped:
            return self._page(self.options.limit, self.options.offset)
        best: list[tuple[Any, tantivy.DocAddress]] = []
        seen: set[int] = set()
        fetched, size = 0, max(64, wanted * 4)
        while len(best) < wanted:
            page = self._page(size, fetched)
            if not page:
                break
            fetched += len(page)
            ordinals = self.searcher.fast_field_values("conv_ord", [address for _, address in page])
            for (score, address), ordinal in zip(page, ordinals, strict=True):
                if ordinal not in seen:
                    seen.add(ordinal)
                    best.append((score, address))
            if len(page) < size or fetched >= MAX_OFFSET * 10:
                break
            size *= 2
        return best[self.options.offset : wanted]

    def count_in(self, conv_key: str) -> int:
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, self.compiled.query),
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "conv_key", conv_key)),
            ]
        )
        return int(self.searcher.search(query, 1, count=True).count or 0)

    def lookup(self, conv_key: str, field: str, value: str) -> list[tantivy.Document]:
        clauses = [
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "conv_key", conv_key)),
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, field, value)),
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "kind", documents.MESSAGE)),
        ]
        hits = self.searcher.search(tantivy.Query.boolean_query(clauses), 100).hits
        return [self.searcher.doc(address) for _, address in hits]

    def _visible(self, doc: tantivy.Document) -> bool:
        return self.options.filters.include_hidden or first(doc, "visibility") == "seen"

    def before(self, doc: tantivy.Document, turns: int) -> list[Turn]:
        found: list[Turn] = []
        conv_key, parent, guard = first(doc, "conv_key"), first(doc, "parent_id"), 0
        while parent and len(found) < turns and guard < 1000:
            guard += 1
            parents = self.lookup(conv_key, "message_id", parent)
            if not parents:
                break
            if self._visible(parents[0]):
                found.append(_turn(parents[0]))
            parent = first(parents[0], "parent_id")
        return list(reversed(found))

    def after(self, doc: tantivy.Document, turns: int) -> list[Turn]:
        found: list[Turn] = []
        conv_key, current, guard = first(doc, "conv_key"), first(doc, "message_id"), 0
        while current and len(found) < turns and guard < 1000:
            guard += 1
            children = self.lookup(conv_key, "parent_id", current)
            if not children:
                break
            # The branch the conversation shows, else the first in reading order.
            child = min(children, key=lambda c: (not first(c, "on_current_branch"), first(c, "position")))
            if self._visible(child):
                found.append(_turn(child))
            current = first(child, "message_id")
        return found


def _turn(doc: tantivy.Document) -> Turn:
    return Turn(
        message_id=first(doc, "message_id"),
        role=first(doc, "role"),
        text=first(doc, "text") or "",
        created=created_at(doc),
        position=int(first(doc, "position") or 0),
    )


def _snippet(
    generator: tantivy.SnippetGenerator, doc: tantivy.Document, needles: list[str]
) -> tuple[str, list[tuple[int, int]]]:
    snippet = generator.snippet_from_doc(doc)
    fragment = snippet.fragment()
    if not snippet.highlighted():
        # Messages chatdex tokenized itself (CJK, camelCase) are re-read by tantivy's snippet
        # generator with the plain tokenizer, which cannot see those words: find them here.
        return _snippet_by_hand(first(doc, "text") or "", needles)
    encoded = fragment.encode()
    # Highlights come as byte offsets into the UTF-8 fragment; Python slices by character.
    ranges = [
        (len(encoded[: r.start].decode(errors="ignore")), len(encoded[: r.end].decode(errors="ignore")))
        for r in snippet.highlighted()
    ]
    return fragment, ranges


def _snippet_by_hand(text: str, needles: list[str]) -> tuple[str, list[tuple[int, int]]]:
    lowered = text.lower()
    found = sorted(
        (match.start(), match.end())
        for needle in needles
        if len(needle) >= 3 or is_cjk(needle)
        for match in re.finditer(re.escape(needle), lowered)
    )
    start = max(0, found[0][0] - SNIPPET_CHARS // 4) if found and len(lowered) == len(text) else 0
    fragment = text[start : start + SNIPPET_CHARS].strip()
    offset = start + (len(text[start:]) - len(text[start:].lstrip()))
    ranges = [(a - offset, b - offset) for a, b in found if a >= offset and b - offset <= len(fragment)]
    ellipsis = "…" if start + SNIPPET_CHARS < len(text) else ""
    return fragment + ellipsis, ranges


def search(index_path: Path, options: SearchOptions, now: datetime | None = None) -> list[Hit]:
    validate(options)
    store = open_for_read(index_path)
    compiled = compile_query(options.query, options.filters, store.schema, fuzzy=options.fuzzy, now=now)
    engine = _Searcher(store, options, compiled)
    ranked = engine.ranked()
    if not ranked:
        return []
    generator = tantivy.SnippetGenerator.create(engine.searcher, compiled.matches, engine.schema, "text")
    generator.set_max_num_chars(SNIPPET_CHARS)
    hits: list[Hit] = []
    before_turns = options.context if options.context else 1
    for score, address in ranked:
        doc = engine.searcher.doc(address)
        conv_key = first(doc, "conv_key")
        snippet, highlights = _snippet(generator, doc, compiled.needles)
        hits.append(
            Hit(
                conversation_id=first(doc, "conversation_id"),
                message_id=first(doc, "message_id"),
                title=first(doc, "title") or "",
                role=first(doc, "role"),
                model=first(doc, "model"),
                source=first(doc, "source"),
                created=created_at(doc),
                date=first(doc, "date"),
                score=round(float(score), 4) if options.sort == "relevance" else None,
                snippet=snippet,
                highlights=highlights,
                url=first(doc, "url"),
                on_current_branch=bool(first(doc, "on_current_branch")),
                matches_in_conversation=engine.count_in(conv_key) if options.grouped else 1,
                before=engine.before(doc, before_turns),
                after=engine.after(doc, options.context),
            )
        )
    return hits
