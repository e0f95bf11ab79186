"""Turn one export file into a stream of normalized conversations (or skipped records).

The file's layout is found from its bytes (a JSON array, one JSON object, JSON Lines, an
HTML page), its records are streamed, and the first record decides the format (unless
`--format` did), whose module parses them all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import chain
from typing import IO, Any

import ijson
import orjson

from chatdex import sources
from chatdex.archive import ExportFile
from chatdex.digests import RecordDigests
from chatdex.errors import ExportFormatError, InputError
from chatdex.jsonstream import MAX_OBJECT_DEPTH, DepthGuard, iter_json_records, whole_object
from chatdex.model import Skipped
from chatdex.sources.base import Context, Parsed, Source

_END = object()
_HEAD = 256 << 10  # enough to tell a format's HTML page by its first bytes
MAX_LINE = 64 << 20  # one JSON Lines record; a chat message is far smaller
_SIDE_FILES = (
    "message_feedback.json",
    "model_comparisons.json",
    "shared_conversations.json",
    "user.json",
    "users.json",
    "export_manifest.json",
    "conversation_asset_file_names.json",
)


def read_conversations(
    export: ExportFile,
    on_read: Callable[[int], None] | None = None,
    forced: Source | None = None,
    digests: RecordDigests | None = None,
) -> Iterator[Parsed]:
    """`digests`, from a re-import, lets records the index holds unchanged go unparsed."""
    try:
        yield from _read(export, on_read, forced, Context(export.name, export.account, digests=digests))
    except OSError as error:  # the file vanished, or the disk failed, after it was found
        raise InputError(f"{export.name}: reading failed ({error.strerror or error})") from None


def _read(
    export: ExportFile, on_read: Callable[[int], None] | None, forced: Source | None, context: Context
) -> Iterator[Parsed]:
    with export.opener() as raw:
        head = _head(raw)
    significant = head.lstrip()
    if not significant:
        raise ExportFormatError(f"{export.name} is empty")
    start = significant[:1]
    if export.kind == "html" or start == b"<":
        yield from _read_page(export, head, on_read, forced, context)
        return
    if start not in (b"[", b"{"):
        if export.optional:
            return
        raise ExportFormatError(f"{export.name}: not JSON (it starts with {start.decode('latin-1')!r})")
    with export.opener() as raw:
        records = _records(export, raw, significant, on_read)
        # Damaged lines before the first good one are reported, not taken for the format.
        damaged: list[Skipped] = []
        try:
            first = next(records, _END)
            while isinstance(first, Skipped):
                damaged.append(first)
                first = next(records, _END)
        except ExportFormatError:
            if export.optional:
                return
            raise
        if first is _END:
            if not export.optional:
                yield from damaged
            return
        source = forced or sources.detect(first)
        if export.optional and (source is None or not source.detect(first)):
            return  # a file beside an export that is no export (of the forced format): not ours
        if source is None:
            raise ExportFormatError(_unknown(export.name, first))
        yield from source.read(chain(damaged, [first], records), replace(context, source=source.name))


def _read_page(
    export: ExportFile,
    head: bytes,
    on_read: Callable[[int], None] | None,
    forced: Source | None,
    context: Context,
) -> Iterator[Parsed]:
    source = forced or next((s for s in sources.SOURCES if s.detect_html and s.detect_html(head)), None)
    if export.optional and not _is_page_of(source, head):
        return
    if source is None or source.read_html is None:
        forced_text = f" as {forced.label}" if forced is not None else ""
        raise ExportFormatError(
            f"{export.name}: an HTML page chatdex does not read{forced_text}; it reads ChatGPT's "
            "chat.html and Gemini's My Activity page"
        )
    with export.opener() as raw:
        yield from source.read_html(_Counted(raw, on_read), replace(context, source=source.name))


def _is_page_of(source: Source | None, head: bytes) -> bool:
    return source is not None and source.detect_html is not None and source.detect_html(head)


def _records(
    export: ExportFile, raw: IO[bytes], significant: bytes, on_read: Callable[[int], None] | None
) -> Iterator[Any]:
    """The file's records as its layout holds them: JSON Lines, the items of a top-level
    array or of a format's container key, or the one object the file is."""
    if significant[:1] == b"{" and (export.name.endswith(".jsonl") or _looks_like_lines(significant)):
        return _lines(_Counted(raw, on_read), export.name)
    prefix = "item" if significant[:1] == b"[" else _object_prefix(export)
    if prefix:
        return iter_json_records(DepthGuard(raw, export.name, on_read), export.name, prefix)
    return whole_object(DepthGuard(raw, export.name, on_read, max_depth=MAX_OBJECT_DEPTH), export.name)


def _head(raw: IO[bytes]) -> bytes:
    head = b""
    while len(head) < _HEAD:
        data = raw.read(_HEAD - len(head))
        if not data:
            break
        head += data
    return head.removeprefix(b"\xef\xbb\xbf")


def _looks_like_lines(head: bytes) -> bool:
    """One complete JSON object on the first line and another line after it: JSON Lines,
    whatever the file is called."""
    first, newline, rest = head.partition(b"\n")
    if not newline or not rest.strip():
        return False
    try:
        return isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        return False


def _object_prefix(export: ExportFile) -> str:
    """Where the records of a top-level object are: under a format's container key (Grok
    keeps its conversations in one), else the object is a record itself. Only the keys at
    the top are looked at, with ijson's bare events (no prefixes: memory stays flat however
    deep a single conversation nests)."""
    containers = {key for source in sources.SOURCES for key in source.containers}
    if not containers:
        return ""
    depth = 0
    with export.opener() as raw:
        try:
            for event, value in ijson.basic_parse(DepthGuard(raw, export.name, max_depth=MAX_OBJECT_DEPTH)):
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                elif event == "map_key" and depth == 1 and value in containers:
                    return f"{value}.item"
        except (ijson.JSONError, UnicodeDecodeError, ExportFormatError):
            pass  # reported with its position when the records are read
    return ""


class _Counted:
    """A stream that reports the bytes read, for the progress bar."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None] | None) -> None:
        self._raw = raw
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data and self._on_read:
            self._on_read(len(data))
        return data


def _lines(stream: _Counted, name: str) -> Iterator[Any]:
    """The records of a JSON Lines file; a line that is not JSON is skipped and reported, so
    one damaged line (an app killed mid-write) does not cost the rest. A long line (inline
    images) is gathered in chunks, searched for its end only in what is new."""
    parts: list[bytes] = []
    held = 0
    number = 0
    while True:
        data = stream.read(1 << 16)
        if not data:
            if parts:
                number += 1
                yield from _line(b"".join(parts), number, name)
            return
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            parts.append(data[start:end])
            number += 1
            yield from _line(b"".join(parts), number, name)
            parts, held, start = [], 0, end + 1
        if start < len(data):
            parts.append(data[start:])
            held += len(data) - start
            if held > MAX_LINE:
                raise ExportFormatError(f"{name}: line {number + 1:,} is longer than {MAX_LINE:,} bytes")


def _line(line: bytes, number: int, name: str) -> Iterator[Any]:
    if not line.strip():
        return
    try:
        yield orjson.loads(line.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as error:
        yield Skipped(f"{name}: line {number}", f"not valid JSON ({str(error).split(':')[0]})")


def _unknown(name: str, first: Any) -> str:
    side = next((s for s in _SIDE_FILES if name.endswith(s)), None)
    if side:
        return (
            f"{name}: {side} is a side file of the export, not its conversations; "
            "import the conversations file, or the whole ZIP or folder"
        )
    if isinstance(first, dict):
        keys = ", ".join(_shown(key) for key in sorted(map(str, first))[:6]) or "none"
        found = f"an object with keys {keys}"
    else:
        found = f"{type(first).__name__} values"
    return f"{name}: not an export chatdex recognises (found {found}); it reads {sources.labels()} exports"


def _shown(key: str) -> str:
    """A key from the file, fit for a one-line message."""
    if key.isprintable() and len(key) <= 40:
        return key
    return repr(key[:40] + ("…" if len(key) > 40 else ""))
