"""Words as chatdex indexes and queries them.

Tantivy's simple tokenizer (runs of letters and digits, then lowercased and accent-folded)
is fast, but it keeps a whole Chinese, Japanese or Korean sentence as one token and a
camelCase identifier as one word. Regex tokenizers fix that at four to five times the
indexing cost for every message, so chatdex keeps the simple tokenizer for the text and
adds only the words it splits differently:

- every CJK run is copied to the field's `_cjk` twin, whose tokenizer makes each character
  a token, so a CJK word in a query is a phrase of characters there;
- a camelCase identifier (or a CJK run joined to letters) becomes its parts at consecutive
  positions, a second value of the field itself, so `"reminder minutes"` and `reminder` find
  `bedtimeReminderMinutes`, while `bedtimereminderminutes` finds it in the text itself.

Queries go through `analyze`, which splits the same way and keeps the whole word as an
alternative, so both sides always agree."""

from __future__ import annotations

import re

import tantivy

_CJK_CLASS = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CAMEL_SPOT = re.compile("[a-z0-9][A-Z]|[A-Z][A-Z][a-z]")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class _CJK:
    """The CJK patterns, compiled on first use: compiling their character classes takes
    ~10 ms, a noticeable share of a `chatdex search` whose query is plain ASCII."""

    _compiled: _CJK | None = None

    def __init__(self) -> None:
        self.char = re.compile(f"[{_CJK_CLASS}]")
        self.word = re.compile(f"[{_CJK_CLASS}]+")
        self.or_run = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS}]+")

    @classmethod
    def get(cls) -> _CJK:
        if cls._compiled is None:
            cls._compiled = cls()
        return cls._compiled


# A word as the simple tokenizer finds it, and the pieces chatdex splits it into (the word
# itself when it splits into nothing).
Word = tuple[str, list[str]]


def is_cjk(text: str) -> bool:
    return not text.isascii() and _CJK.get().char.search(text) is not None


# Every byte of a lowercase letter becomes b"a", of a digit b"d", of a capital b"A": then
# camelCase is a substring search, which runs at memory speed where a regex scan of every
# message (this is called for each one) would cost more than indexing it.
_CASE_SHAPE = bytes.maketrans(
    b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"a" * 26 + b"d" * 10 + b"A" * 26
)


def needs_own_tokens(text: str) -> bool:
    if is_cjk(text):
        return True
    shape = text.encode("utf-8", "surrogatepass").translate(_CASE_SHAPE)
    return b"aA" in shape or b"dA" in shape or b"AAa" in shape


def _pieces(original: str) -> list[str]:
    """Split one simple token (original case) into CJK characters and camelCase parts."""
    if original.isascii():
        return [part for part in _CAMEL_BOUNDARY.split(original) if part]
    cjk = _CJK.get()
    pieces: list[str] = []
    for run in cjk.or_run.findall(original):
        if cjk.char.fullmatch(run):
            pieces.append(run)
        else:
            pieces.extend(part for part in _CAMEL_BOUNDARY.split(run) if part)
    return pieces


def analyze(analyzer: tantivy.TextAnalyzer, text: str) -> list[Word]:
    words: list[Word] = []
    for token in analyzer.pre_tokenize(text).tokens:
        original = text[token.char_offset_from : token.char_offset_to]
        if not (_CAMEL_SPOT.search(original) or is_cjk(original)):
            words.append((token.text, [token.text]))
            continue
        pieces = _pieces(original)
        folded = analyzer.analyze(" ".join(pieces))
        if len(folded) != len(pieces) or len(pieces) < 2:
            words.append((token.text, [token.text]))  # a piece the filters dropped: keep it whole
        else:
            words.append((token.text, folded))
    return words


def _special_words(text: str) -> list[str]:
    """The words of `text` the simple tokenizer keeps whole and chatdex splits into pieces of
    its own: camelCase identifiers and CJK runs joined to other letters or digits, each spot a
    quick scan finds widened to the run of letters and digits around it. (Two simple scans
    beat one pattern with both alternatives five times over in Python's regex engine.) A CJK
    run on its own is not one of them: `cjk_runs` covers it."""
    spots = [match.span() for match in _CAMEL_SPOT.finditer(text)]
    if not text.isascii():
        end_of_text = len(text)
        spots.extend(
            (start, end)
            for start, end in (match.span() for match in _CJK.get().word.finditer(text))
            if (start > 0 and text[start - 1].isalnum()) or (end < end_of_text and text[end].isalnum())
        )
        spots.sort()
    words: list[str] = []
    covered = 0
    for start, end in spots:
        if start < covered:
            continue
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
        words.append(text[start:end])
        covered = end
    return words


def cjk_runs(text: str) -> list[str]:
    """The runs of CJK characters in `text`, each a value of the field's `_cjk` twin, whose
    tokenizer makes every character a token (in Rust: a Python Token object per character
    cost more than indexing the message). Values are a position apart, so a phrase of
    characters never runs from one run into the next."""
    return [] if text.isascii() else _CJK.get().word.findall(text)


def extra_tokens(analyzer: tantivy.TextAnalyzer, text: str) -> tantivy.PreTokenizedString | None:
    """The split words of `text` other than plain CJK runs (which `cjk_runs` gives): camelCase
    identifiers and words mixing CJK with letters, as a second value of its field (stored
    empty), or None when there are none. Each word's pieces take consecutive positions; a gap
    separates words, so a phrase never runs from one into the next."""
    tokens: list[tantivy.Token] = []
    position = 0
    mixed: list[list[str]] = []
    for word in _special_words(text):
        pieces = _pieces(word)
        if len(pieces) > 1:
            mixed.append(pieces)
    if mixed:
        # One analyzer call for all the pieces of the message; per word only where a piece
        # was dropped (too long) and the counts no longer line up.
        folded = analyzer.analyze(" ".join(piece for pieces in mixed for piece in pieces))
        if len(folded) == sum(len(pieces) for pieces in mixed):
            at = 0
            groups = []
            for pieces in mixed:
                groups.append(folded[at : at + len(pieces)])
                at += len(pieces)
        else:
            groups = [g for g in (analyzer.analyze(" ".join(p)) for p in mixed) if len(g) > 1]
        for group in groups:
            for piece in group:
                tokens.append(tantivy.Token(piece, position, 0, 0))
                position += 1
            position += 1
    return tantivy.PreTokenizedString("", tokens) if tokens else None
