"""Turn one export file into a stream of normalized conversations (or skipped records).

The file's layout is found from its bytes (a JSON array, one JSON object, JSON Lines, an
HTML page), its records are streamed, and the first record decides the format (unless
`--format` did), whose module parses them all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import IO, Any

import ijson
import orjson

from chatdex import sources
from chatdex.archive import ExportFile
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
    export: ExportFile, on_read: Callable[[int], None] | None = None, forced: Source | None = None
) -> Iterator[Parsed]:
    try:
        yield from _read(export, on_read, forced)
    except OSError as error:  # the file vanished, or the disk failed, after it was found
        raise InputError(f"{export.name}: reading failed ({error.strerror or error})") from None


def _read(
    export: ExportFile, on_read: Callable[[int], None] | None, forced: Source | None
) -> Iterator[Parsed]:
    context = Context(export.name, export.account)
    with export.opener() as raw:
        head = _head(raw)
    significant = head.lstrip()
    if not significant:
        raise ExportFormatError(f"{export.name} is empty")
    start = significant[:1]
    if export.kind == "html" or start == b"<":
        source = forced or next((s for s in sources.SOURCES if s.detect_html and s.detect_html(head)), None)
        if source is None and export.optional:
            return
        if source is None or source.read_html is None:
            raise ExportFormatError(
                f"{export.name}: an HTML page chatdex does not read; it reads ChatGPT's chat.html and "
                "Gemini's My Activity page"
            )
        with export.opener() as raw:
            yield from source.read_html(_Counted(raw, on_read), context)
        return
    if start not in (b"[", b"{"):
        raise ExportFormatError(f"{export.name}: not JSON (it starts with {start.decode('latin-1')!r})")
    with export.opener() as raw:
        if export.name.endswith(".jsonl") or (start == b"{" and _looks_like_lines(significant)):
            records: Iterator[Any] = _lines(_Counted(raw, on_read), export.name)
        else:
            prefix = "item" if start == b"[" else _object_prefix(export)
            if prefix:
                records = iter_json_records(DepthGuard(raw, export.name, on_read), export.name, prefix)
            else:
                guarded = DepthGuard(raw, export.name, on_read, max_depth=MAX_OBJECT_DEPTH)
                records = whole_object(guarded, export.name)
        first = next(records, _END)
        if first is _END:
            return
        source = forced or sources.detect(first)
        if source is None:
            raise ExportFormatError(_unknown(export.name, first))
        yield from source.read(chain([first], records), context)


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
    keeps its conversations in one), else the object is a record itself."""
    containers = {key for source in sources.SOURCES for key in source.containers}
    if containers:
        with export.opener() as raw:
            try:
                for prefix, event, value in ijson.parse(DepthGuard(raw, export.name)):
                    if prefix == "" and event == "map_key" and value in containers:
                        return f"{value}.item"
            except (ijson.JSONError, UnicodeDecodeError):
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
    one damaged line (an app killed mid-write) does not cost the rest."""
    pending = b""
    number = 0
    while True:
        data = stream.read(1 << 16)
        pending += data
        if not data:
            lines, pending = [pending], b""
        else:
            *lines, pending = pending.split(b"\n")
            if len(pending) > MAX_LINE:
                raise ExportFormatError(
                    f"{name}: line {number + len(lines) + 1} is longer than {MAX_LINE:,} bytes"
                )
        for line in lines:
            number += 1
            if not line.strip():
                continue
            try:
                yield orjson.loads(line.removeprefix(b"\xef\xbb\xbf"))
            except orjson.JSONDecodeError as error:
                yield Skipped(f"{name}: line {number}", f"not valid JSON ({str(error).split(':')[0]})")
        if not data:
            return


def _unknown(name: str, first: Any) -> str:
    side = next((s for s in _SIDE_FILES if name.endswith(s)), None)
    if side:
        return (
            f"{name}: {side} is a side file of the export, not its conversations; "
            "import the conversations file, or the whole ZIP or folder"
        )
    if isinstance(first, dict):
        keys = ", ".join(sorted(map(str, first))[:6]) or "none"
        found = f"an object with keys {keys}"
    else:
        found = f"{type(first).__name__} values"
    return f"{name}: not an export chatdex recognises (found {found}); it reads {sources.labels()} exports"
