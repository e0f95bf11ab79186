"""From what a person types to a tantivy query.

The syntax is tantivy's (words, "phrases", OR, -word, parentheses, field:value), parsed to
an AST by tantivy and compiled here, so that every word goes through the same analyzers as
the index (tokens.py): accents folded, CJK words matched as phrases of characters,
identifiers matched whole (`camelcase` finds camelCase) and by parts. `word*` is a prefix, and in-query dates
(after:2024-01 before:2024-07) become filters like --since/--until."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import tantivy

from chatdex import dates, stored
from chatdex.errors import InvalidQuery
from chatdex.schema import IndexSchema
from chatdex.text import EARLIEST, LATEST
from chatdex.tokens import analyze, is_cjk

MAX_QUERY_CHARS = 2000
MAX_NESTING = 32
TITLE_BOOST = 2.0
SYNTAX_HINT = 'see `chatdex search --help` for the syntax; put exact words in "double quotes"'

_DATE_FILTER = re.compile(r"(?<![\w:])(after|before|since|until):(\S*)", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"')
# Control characters, and the spaces tantivy's query parser does not take for spaces (it
# knows only ASCII ones): an ideographic space typed by a CJK input method was a syntax error.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_TERM_FIELDS = {"role": True, "model": False, "source": True, "visibility": True, "type": False}
_FIELD_NAMES = {"type": "content_type"}
_PARSER_MESSAGES = {
    'missing delimiter \\"': 'a double quote (") is not closed',
    "expected ')'": "a parenthesis is not closed",
}


@dataclass
class Filters:
    roles: list[str] = field(default_factory=list)
    model: str | None = None
    source: str | None = None
    conversation: str | None = None
    since: str | None = None
    until: str | None = None
    current_branch: bool = False
    include_hidden: bool = False


@dataclass
class Compiled:
    query: tantivy.Query  # what the person asked for, with every filter
    matches: tantivy.Query  # the words alone: for snippets
    needles: list[str] = field(default_factory=list)  # the words, for highlighting by hand


def _pull_dates(text: str, filters: Filters) -> str:
    """Take after:/before:/since:/until: out of the unquoted parts of the query."""
    pieces: list[str] = []
    last = 0
    for quoted in [*_QUOTED.finditer(text), None]:
        end = quoted.start() if quoted else len(text)
        segment = text[last:end]
        for match in _DATE_FILTER.finditer(segment):
            name, value = match.group(1).lower(), match.group(2)
            if not value:
                raise InvalidQuery(f"{name}: needs a date, e.g. {name}:2024-03; {dates.HELP}")
            if name in ("after", "since"):
                filters.since = value
            else:
                filters.until = value
        pieces.append(_DATE_FILTER.sub(" ", segment))
        if quoted:
            pieces.append(quoted.group())
            last = quoted.end()
    return "".join(pieces)


def _check_shape(text: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the query is {len(text):,} characters long; the most is {MAX_QUERY_CHARS:,}")
    depth = 0
    for char in _QUOTED.sub("", text):
        depth += (char == "(") - (char == ")")
        if depth > MAX_NESTING:
            raise InvalidQuery(f"parentheses nested more than {MAX_NESTING} deep")


class _Compiler:
    def __init__(self, schema: IndexSchema, fuzzy: bool, include_hidden: bool) -> None:
        self.schema = schema
        self.tantivy_schema = schema.schema
        self.text = schema.tokenizers["chat_text"]
        self.needles: list[str] = []
        self.fuzzy = fuzzy
        self.include_hidden = include_hidden
        # Set when the query can match documents without matching words in the message
        # fields (only exclusions, `*`, or exact-value fields): such a query needs the
        # filters that keep out hidden messages and conversation records.
        self.open_ended = False

    def node(self, node: dict[str, Any]) -> tantivy.Query | None:
        kind = node.get("type")
        if kind == "bool":
            return self.boolean(node["clauses"])
        if kind == "literal":
            return self.literal(node)
        if kind == "all":
            self.open_ended = True
            return tantivy.Query.all_query()
        if kind == "boost":
            inner = self.node(node["underlying"])
            return tantivy.Query.boost_query(inner, float(node["boost"])) if inner else None
        raise InvalidQuery(f"this kind of query ({kind}) is not supported; {SYNTAX_HINT}")

    def boolean(self, clauses: list[Any]) -> tantivy.Query | None:
        compiled: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for occur, child in clauses:
            query = self.node(child)
            if query is None:
                continue
            # Words without OR must all match: the default a search box has taught people.
            kind = {"should": tantivy.Occur.Should, "must_not": tantivy.Occur.MustNot}.get(
                occur, tantivy.Occur.Must
            )
            compiled.append((kind, query))
        if not compiled:
            return None
        if all(kind is tantivy.Occur.MustNot for kind, _ in compiled):
            self.open_ended = True
            compiled.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(compiled)

    def literal(self, node: dict[str, Any]) -> tantivy.Query | None:
        name = node.get("field_name")
        phrase: str = node.get("phrase", "")
        quoted = node.get("delimiter", "none") != "none"
        prefix = bool(node.get("prefix")) or (not quoted and phrase.endswith("*"))
        phrase = phrase.rstrip("*") if prefix and not quoted else phrase
        if name is None or name in ("text", "title"):
            fields = ["text", "title"] if name is None else [name]
            if self.include_hidden:
                fields += [f"{field}_hidden" for field in fields]
            return self.words(phrase, fields, prefix=prefix, slop=int(node.get("slop") or 0))
        self.open_ended = True
        if name in _TERM_FIELDS:
            value = phrase.strip().lower() if _TERM_FIELDS[name] else phrase.strip()
            return tantivy.Query.term_query(self.tantivy_schema, _FIELD_NAMES.get(name, name), value)
        if name == "conversation":
            return conversation_prefix(self.tantivy_schema, phrase.strip())
        raise InvalidQuery(
            f"Invalid query: unknown field '{name}:'; fields are title:, text:, role:, model:, source:, "
            "visibility:, type:, conversation:, after:, before:"
        )

    def words(self, phrase: str, fields: list[str], *, prefix: bool, slop: int) -> tantivy.Query | None:
        words = analyze(self.text, phrase)
        if not words:
            return None
        # The index holds split words whole (in the text) and by pieces: a phrase of whole
        # words matches the text; an identifier's pieces are extra tokens of the text, and a
        # CJK word's characters are tokens of the field's `_cjk` twin.
        wholes = [whole for whole, _ in words]
        parts = [piece for _, pieces in words for piece in pieces]
        spellings: list[tuple[str, list[str]]] = [("", wholes)]
        if all(len(part) == 1 and is_cjk(part) for part in parts):
            spellings.append(("_cjk", parts))
        elif parts != wholes:
            spellings.append(("", parts))
        self.needles.extend(_needles(parts))
        alternatives: list[tantivy.Query] = []
        for name in fields:
            for suffix, tokens in spellings:
                query = self._field_query(name + suffix, tokens, prefix=prefix, slop=slop)
                alternatives.append(
                    tantivy.Query.boost_query(query, TITLE_BOOST) if name.startswith("title") else query
                )
        if len(alternatives) == 1:
            return alternatives[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, query) for query in alternatives])

    def _field_query(self, name: str, tokens: list[str], *, prefix: bool, slop: int) -> tantivy.Query:
        schema = self.tantivy_schema
        if len(tokens) == 1:
            token = tokens[0]
            if prefix:
                return tantivy.Query.fuzzy_term_query(schema, name, token, distance=0, prefix=True)
            if self.fuzzy and len(token) > 2 and not token.isdigit():
                distance = 1 if len(token) <= 5 else 2
                return tantivy.Query.fuzzy_term_query(schema, name, token, distance=distance)
            return tantivy.Query.term_query(schema, name, token)
        if prefix:
            return tantivy.Query.phrase_prefix_query(schema, name, tokens)
        return tantivy.Query.phrase_query(schema, name, tokens, slop=slop)


def _needles(tokens: list[str]) -> list[str]:
    """What to look for in a message's text to highlight it by hand: CJK characters in a row
    make one word again."""
    found: list[str] = []
    run = ""
    for token in tokens:
        if len(token) == 1 and is_cjk(token):
            run += token
            continue
        if run:
            found.append(run)
            run = ""
        found.append(token)
    if run:
        found.append(run)
    return found


def clean_text(text: str) -> str:
    """Lone surrogates (what Python makes of invalid UTF-8 in a command line) as U+FFFD:
    tantivy takes only valid Unicode."""
    return text.encode("utf-8", "replace").decode("utf-8")


def conversation_prefix(schema: tantivy.Schema, prefix: str) -> tantivy.Query:
    prefix = clean_text(prefix)
    if not prefix:
        raise InvalidQuery("conversation: needs an id (or the first characters of one)")
    return tantivy.Query.fuzzy_term_query(schema, "conversation_id", prefix, distance=0, prefix=True)


def _parse(text: str) -> dict[str, Any]:
    try:
        return tantivy.parse_query(text)
    except ValueError:
        pass
    _, problems = tantivy.parse_query_lenient(text)
    detail = problems[0]["message"] if problems else "cannot parse it"
    detail = _PARSER_MESSAGES.get(detail, detail)
    where = f" at character {problems[0]['pos'] + 1}" if problems and "pos" in problems[0] else ""
    raise InvalidQuery(f"Invalid query: {detail}{where}; {SYNTAX_HINT}")


def _storable(moment: datetime | None) -> datetime | None:
    return None if moment is None else min(max(moment, EARLIEST), LATEST)


def compile_query(
    text: str, filters: Filters, schema: IndexSchema, *, fuzzy: bool = False, now: datetime | None = None
) -> Compiled:
    cleaned = _CONTROL.sub(" ", clean_text(text))
    filters = Filters(
        roles=[clean_text(role) for role in filters.roles],
        model=clean_text(filters.model) if filters.model else None,
        source=clean_text(filters.source) if filters.source else None,
        conversation=clean_text(filters.conversation) if filters.conversation else None,
        since=filters.since,
        until=filters.until,
        current_branch=filters.current_branch,
        include_hidden=filters.include_hidden,
    )
    _check_shape(cleaned)
    cleaned = _pull_dates(cleaned, filters)
    s = schema.schema
    compiler = _Compiler(schema, fuzzy, filters.include_hidden)
    matches = compiler.node(_parse(cleaned)) if cleaned.strip() else None
    must: list[tantivy.Query] = []
    narrowed = filters.roles or filters.model or filters.source or filters.conversation
    # An empty query lists what the filters select; words that analyze to nothing are a mistake.
    if matches is None and (cleaned.strip() or not (narrowed or filters.since or filters.until)):
        raise InvalidQuery(f"Invalid query: nothing to search for in {text!r}; {SYNTAX_HINT}")
    if matches is not None:
        must.append(matches)
    if matches is None or compiler.open_ended:
        # Words in the message fields select messages of the right visibility by themselves
        # (hidden ones keep their words in the *_hidden fields); anything else needs filters.
        must.append(tantivy.Query.term_query(s, "kind", stored.MESSAGE))
        if not filters.include_hidden:
            must.append(tantivy.Query.term_query(s, "visibility", "seen"))
    if filters.current_branch:
        must.append(tantivy.Query.term_query(s, "on_current_branch", True))
    if filters.roles:
        roles = [tantivy.Query.term_query(s, "role", role.lower()) for role in filters.roles]
        must.append(tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in roles]))
    if filters.model:
        must.append(tantivy.Query.term_query(s, "model", filters.model))
    if filters.source:
        must.append(tantivy.Query.term_query(s, "source", filters.source.lower()))
    if filters.conversation:
        must.append(conversation_prefix(s, filters.conversation))
    if filters.since or filters.until:
        lower = dates.bound(filters.since, end=False, now=now) if filters.since else None
        upper = dates.bound(filters.until, end=True, now=now) if filters.until else None
        if lower and upper and lower >= upper:
            raise InvalidQuery(f"the date range is empty: {filters.since} is after {filters.until}")
        # Upper bounds are exclusive (the first instant after the period); an open end is not.
        # Bounds beyond what the index can store (year 1 is a date) are moved to its edges,
        # where they select the same messages: none are dated outside them.
        must.append(
            tantivy.Query.range_query(
                s,
                "date",
                tantivy.FieldType.Date,
                _storable(lower),
                _storable(upper),
                include_upper=upper is None,
            )
        )
    query = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])
    return Compiled(query=query, matches=matches or tantivy.Query.empty_query(), needles=compiler.needles)
