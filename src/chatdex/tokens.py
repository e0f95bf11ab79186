"""Words as chatdex indexes and queries them.

Tantivy's simple tokenizer (runs of letters and digits, then lowercased and accent-folded)
is fast, but it keeps a whole Chinese, Japanese or Korean sentence as one token and a
camelCase identifier as one word. Regex tokenizers fix that at four to five times the
indexing cost for every message, so chatdex keeps the simple tokenizer and re-tokenizes
only the tokens that need it, in Python, for the few messages that contain them:

- CJK characters become one token each, so a CJK word in a query is a phrase of them;
- camelCase becomes its parts at consecutive positions, with the whole identifier as a
  second token at the first part's position, so `bedtimeReminderMinutes`,
  `bedtimereminderminutes`, `"reminder minutes"` and `reminder` all find it.

Queries go through the same function, so both sides always agree."""

from __future__ import annotations

import re

import tantivy

_CJK_CLASS = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_SPECIAL = re.compile(f"[{_CJK_CLASS}]|[a-z0-9][A-Z]|[A-Z][A-Z][a-z]")
_CJK_OR_RUN = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS}]+")
_IS_CJK = re.compile(f"[{_CJK_CLASS}]")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# One entry per position: the alternatives indexed there (the whole identifier, then its
# first part), or a single token.
Positions = list[list[str]]


def is_cjk(text: str) -> bool:
    return _IS_CJK.search(text) is not None


# Every byte of a lowercase letter becomes b"a", of a digit b"d", of a capital b"A": then
# camelCase is a substring search, which runs at memory speed where a regex scan of every
# message (this is called for each one) would cost more than indexing it.
_CASE_SHAPE = bytes.maketrans(
    b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"a" * 26 + b"d" * 10 + b"A" * 26
)


def needs_own_tokens(text: str) -> bool:
    if not text.isascii() and _IS_CJK.search(text):
        return True
    shape = text.encode("utf-8", "surrogatepass").translate(_CASE_SHAPE)
    return b"aA" in shape or b"dA" in shape or b"AAa" in shape


def _pieces(original: str) -> tuple[list[str], bool]:
    """Split one simple token (original case) into CJK characters and camelCase parts; say
    whether it was an identifier, whose whole form is kept as well."""
    pieces: list[str] = []
    camel = False
    for run in _CJK_OR_RUN.findall(original):
        if _IS_CJK.fullmatch(run):
            pieces.append(run)
            continue
        parts = [part for part in _CAMEL_BOUNDARY.split(run) if part]
        camel = camel or len(parts) > 1
        pieces.extend(parts)
    return pieces, camel and not _IS_CJK.search(original)


def analyze(analyzer: tantivy.TextAnalyzer, text: str) -> Positions:
    positions: Positions = []
    for token in analyzer.pre_tokenize(text).tokens:
        original = text[token.char_offset_from : token.char_offset_to]
        if not _SPECIAL.search(original):
            positions.append([token.text])
            continue
        pieces, whole = _pieces(original)
        folded = analyzer.analyze(" ".join(pieces))
        if len(folded) != len(pieces) or len(pieces) < 2:
            positions.append([token.text])  # a piece the filters dropped: keep the word whole
            continue
        positions.append([token.text, folded[0]] if whole else [folded[0]])
        positions.extend([piece] for piece in folded[1:])
    return positions


def pre_tokenized(analyzer: tantivy.TextAnalyzer, text: str) -> tantivy.PreTokenizedString:
    """The tokens of `analyze` in the form tantivy indexes directly. Offsets are not used
    for highlighting (snippets re-read the stored text), so they are left at 0."""
    tokens = [
        tantivy.Token(alternative, position, 0, 0)
        for position, alternatives in enumerate(analyze(analyzer, text))
        for alternative in alternatives
    ]
    return tantivy.PreTokenizedString(text, tokens)
