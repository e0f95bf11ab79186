"""`chatdex search`: run a compiled query, group hits by conversation, make snippets and
gather the turns around each hit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy

from chatdex import stored
from chatdex.errors import InvalidQuery
from chatdex.query import Compiled, Filters, compile_query
from chatdex.store import Store, open_for_read
from chatdex.stored import Stored, created, first, iso, text_of, title_of
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
    turn_before: bool = False  # without context: still the one turn before (the terminal shows it)


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

    def _page(self, size: int, offset: int) -> list[tuple[Any, tantivy.DocAddress, int]]:
        """Hits with their conversation ordinal; within the page, equal scores (or dates) in a
        fixed order: by conversation, then reading position, undated hits last. Tantivy
        breaks ties by where a document landed among segments, which depends on indexing
        threads, so results would vary between two imports of the same export. (Which of
        several tied hits at a page's edge make the page is still tantivy's choice: grouped
        results always read pages of the same sizes, so their paging is consistent.)"""
        order = {"newest": tantivy.Order.Desc, "oldest": tantivy.Order.Asc}.get(self.options.sort)
        if order is None:
            hits = self.searcher.search(self.compiled.query, size, count=False, offset=offset).hits
        else:
            hits = self.searcher.search(
                self.compiled.query, size, count=False, offset=offset, order_by_field="date", order=order
            ).hits
        addresses = [address for _, address in hits]
        ordinals = self.searcher.fast_field_values("conv_ord", addresses)
        positions = self.searcher.fast_field_values("position", addresses)
        keyed = [
            (score, address, ordinal or 0, position or 0)
            for (score, address), ordinal, position in zip(hits, ordinals, positions, strict=True)
        ]
        sign = -1 if order is not tantivy.Order.Asc else 1
        keyed.sort(
            key=lambda hit: (hit[0] is None, sign * hit[0] if hit[0] is not None else 0, hit[2], hit[3])
        )
        return [(score, address, ordinal) for score, address, ordinal, _ in keyed]

    def ranked(self) -> list[tuple[Any, tantivy.DocAddress, int]]:
        """The hits to show: one per conversation (its best) unless messages were asked for."""
        wanted = self.options.offset + self.options.limit
        if not self.options.grouped:
            return self._page(self.options.limit, self.options.offset)
        best: list[tuple[Any, tantivy.DocAddress, int]] = []
        tally: dict[int, int] = {}
        # Every message carries its conversation's title, so a title match ties a whole
        # conversation's messages: a first page this big rarely needs a second. The sizes do
        # not depend on --offset or --limit, so that pages of results neither repeat nor skip
        # a conversation where hits tie.
        fetched, size = 0, 256
        while True:
            page = self._page(size, fetched)
            fetched += len(page)
            for hit in page:
                ordinal = hit[2]
                if ordinal not in tally:
                    tally[ordinal] = 0
                    best.append(hit)
                tally[ordinal] += 1
            if len(page) < size:
                # Every hit was seen: the matches per conversation are counted already.
                self.tally = tally
                break
            if len(best) >= wanted or fetched >= MAX_OFFSET * 10:
                break
            size *= 2
        return best[self.options.offset : wanted]

    tally: dict[int, int] | None = None

    def counts(self, shown: list[tuple[str, int]]) -> dict[int, int]:
        """Matches per conversation (by ordinal), for the (conversation key, ordinal) pairs
        shown: from the hits `ranked` saw when it saw them all, else one aggregation over the
        u64 ordinal (a third faster than over the key's text)."""
        if self.tally is not None:
            return self.tally
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, self.compiled.query),
                (
                    tantivy.Occur.Must,
                    tantivy.Query.term_set_query(self.schema, "conv_key", sorted({key for key, _ in shown})),
                ),
            ]
        )
        result = self.searcher.aggregate(query, {"c": {"terms": {"field": "conv_ord", "size": len(shown)}}})
        return {
            int(bucket["key"]): int(bucket["doc_count"]) for bucket in result.get("c", {}).get("buckets", [])
        }

    def _fetch(self, conv_keys: set[str], field: str, values: set[str]) -> list[Stored]:
        clauses = [
            (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, "conv_key", sorted(conv_keys))),
            (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, field, sorted(values))),
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "kind", stored.MESSAGE)),
        ]
        hits = self.searcher.search(tantivy.Query.boolean_query(clauses), 1000).hits
        return [self.searcher.doc(address).to_dict() for _, address in hits]

    def _visible(self, doc: Stored) -> bool:
        return self.options.filters.include_hidden or first(doc, "visibility") == "seen"

    def context(self, docs: list[Stored], turns: int, backwards: bool) -> list[list[Turn]]:
        """Up to `turns` visible turns before (parents) or after (children on the branch) each
        hit, all hits walked together: one lookup per step, not one per hit and step."""
        found: list[list[Turn]] = [[] for _ in docs]
        cursors = {n: doc for n, doc in enumerate(docs)}
        for _ in range(turns + 50):  # hidden turns are stepped over; enough for any real chain
            cursors = {n: doc for n, doc in cursors.items() if len(found[n]) < turns}
            link = "parent_id" if backwards else "message_id"
            wanted = {n: (first(d, "conv_key"), first(d, link)) for n, d in cursors.items() if first(d, link)}
            if not wanted:
                break
            field = "message_id" if backwards else "parent_id"
            fetched = self._fetch({k for k, _ in wanted.values()}, field, {v for _, v in wanted.values()})
            by_link: dict[tuple[str, str], list[Stored]] = {}
            for doc in fetched:
                by_link.setdefault((first(doc, "conv_key"), first(doc, field)), []).append(doc)
            cursors = {}
            for n, key in wanted.items():
                candidates = by_link.get(key)
                if not candidates:
                    continue
                # Forwards, the branch the conversation shows, else the first in reading order.
                step = min(
                    candidates, key=lambda c: (not first(c, "on_current_branch"), first(c, "position") or 0)
                )
                if self._visible(step):
                    found[n].append(_turn(step))
                cursors[n] = step
        return [list(reversed(turns_found)) if backwards else turns_found for turns_found in found]


def _turn(doc: Stored) -> Turn:
    return Turn(
        message_id=first(doc, "message_id"),
        role=first(doc, "role"),
        text=text_of(doc),
        created=created(doc),
        position=int(first(doc, "position") or 0),
    )


def _snippet(
    generator: tantivy.SnippetGenerator, doc: tantivy.Document, text: str, needles: list[str]
) -> tuple[str, list[tuple[int, int]]]:
    snippet = generator.snippet_from_doc(doc)
    fragment = snippet.fragment()
    if not snippet.highlighted():
        # Messages chatdex tokenized itself (CJK, camelCase) are re-read by tantivy's snippet
        # generator with the plain tokenizer, which cannot see those words: find them here.
        return _snippet_by_hand(text, needles)
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


def search(index: Path | Store, options: SearchOptions, now: datetime | None = None) -> list[Hit]:
    """Search the index at a path, or an open Store (which a long-lived process keeps, so each
    search pays neither for opening the index nor for warming its caches)."""
    validate(options)
    store = index if isinstance(index, Store) else open_for_read(index)
    compiled = compile_query(options.query, options.filters, store.schema, fuzzy=options.fuzzy, now=now)
    engine = _Searcher(store, options, compiled)
    ranked = engine.ranked()
    if not ranked:
        return []
    generators: dict[str, tantivy.SnippetGenerator] = {}
    for field_name in ("text", "text_hidden") if options.filters.include_hidden else ("text",):
        generators[field_name] = tantivy.SnippetGenerator.create(
            engine.searcher, compiled.matches, engine.schema, field_name
        )
        generators[field_name].set_max_num_chars(SNIPPET_CHARS)
    loaded = [engine.searcher.doc(address) for _, address, _ in ranked]
    docs = [doc.to_dict() for doc in loaded]
    shown = [(first(doc, "conv_key"), ordinal) for doc, (_, _, ordinal) in zip(docs, ranked, strict=True)]
    counts = engine.counts(shown) if options.grouped else {}
    before_turns = options.context or (1 if options.turn_before else 0)
    before = engine.context(docs, before_turns, backwards=True) if before_turns else [[] for _ in docs]
    after = engine.context(docs, options.context, backwards=False) if options.context else [[] for _ in docs]
    hits: list[Hit] = []
    for n, ((score, _, _), document, doc) in enumerate(zip(ranked, loaded, docs, strict=True)):
        generator = generators["text" if "text" in doc or "text_hidden" not in generators else "text_hidden"]
        snippet, highlights = _snippet(generator, document, text_of(doc), compiled.needles)
        hits.append(
            Hit(
                conversation_id=first(doc, "conversation_id"),
                message_id=first(doc, "message_id"),
                title=title_of(doc),
                role=first(doc, "role"),
                model=first(doc, "model"),
                source=first(doc, "source"),
                created=created(doc),
                date=first(doc, "date"),
                score=round(float(score), 4) if options.sort == "relevance" else None,
                snippet=snippet,
                highlights=highlights,
                url=first(doc, "url"),
                on_current_branch=bool(first(doc, "on_current_branch")),
                matches_in_conversation=counts.get(ranked[n][2], 1),
                before=before[n],
                after=after[n],
            )
        )
    return hits
