"""Stream the records of a JSON export one at a time, with bounded memory.

`orjson.loads` reserves about 12x its input, so a multi-GB conversations.json cannot be
loaded whole. ijson's C backend streams it instead, but its memory grows with the square
of the nesting depth (every level keeps its own path string), so a small hostile file of
100 000 '[' would exhaust memory: `DepthGuard` measures the structural depth of the bytes
before ijson sees them and stops at MAX_DEPTH."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

import ijson
from ijson.common import ObjectBuilder

from chatdex.errors import ExportFormatError

MAX_DEPTH = 512
# A file that is one JSON object (a single conversation) is built without ijson's prefixes,
# in memory linear in its depth: LibreChat's nested export adds two levels per message.
MAX_OBJECT_DEPTH = 20_000
_CHUNK = 1 << 16
_KEEP_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


class DepthGuard:
    """A read-only binary stream that passes bytes through while tracking JSON nesting.

    Escapes are removed first (`\\\\`, then `\\"`), so every remaining quote delimits a
    string; strings are cut out, and only the brackets left are structure. A backslash
    at a chunk's end waits for the next chunk, and a string left open carries over."""

    def __init__(
        self,
        raw: IO[bytes],
        name: str,
        on_read: Callable[[int], None] | None = None,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.max_depth = max_depth
        self._raw = raw
        self._name = name
        self._on_read = on_read
        self._pending = b""
        self._depth = 0
        self._in_string = False
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) to tell bytes from text
            return b""
        data = self._raw.read(size if size > 0 else _CHUNK)
        if self.bytes_read == 0 and data.startswith(b"\xef\xbb\xbf"):
            # A byte order mark, which some editors add and JSON parsers reject.
            self.bytes_read, data = 3, data[3:]
        if data:
            self.bytes_read += len(data)
            if self._on_read:
                self._on_read(len(data))
            self._check(data)
        return data

    def _check(self, data: bytes) -> None:
        chunk = self._pending + data
        trailing = len(chunk) - len(chunk.rstrip(b"\\"))
        if trailing % 2:
            chunk, self._pending = chunk[:-1], b"\\"
        else:
            self._pending = b""
        quoted = chunk.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _KEEP_STRUCTURE)
        # Between quotes, strings and structure alternate; an odd number of quotes flips
        # whether the chunk ends inside a string.
        parts = quoted.split(b'"')
        reduced = b"".join(parts[1::2] if self._in_string else parts[0::2])
        self._in_string ^= len(parts) % 2 == 0
        opens = reduced.count(b"[") + reduced.count(b"{")
        if self._depth + opens > self.max_depth:
            depth = self._depth
            for byte in reduced:
                depth += 1 if byte in (0x5B, 0x7B) else -1
                if depth > self.max_depth:
                    raise ExportFormatError(
                        f"{self._name}: JSON nested more than {self.max_depth:,} levels deep near byte "
                        f"{self.bytes_read:,}; this is not an export chatdex can read"
                    )
        self._depth += 2 * opens - len(reduced)


def iter_json_records(stream: IO[bytes], name: str, prefix: str) -> Iterator[Any]:
    """Yield the values at `prefix` ('item' for the elements of a top-level array, or
    'key.item' for those of an array under a key), translating ijson's errors into one
    readable line. A whole document goes through `whole_object` instead."""
    try:
        yield from ijson.items(stream, prefix, use_float=True)
    except ijson.JSONError as error:
        raise ExportFormatError(f"{name}: {_describe(error)}") from None
    except UnicodeDecodeError:
        raise ExportFormatError(f"{name}: not UTF-8 text; is it really a JSON export?") from None


def whole_object(stream: IO[bytes], name: str) -> Iterator[Any]:
    """The document as one value. ijson's `items` keeps a prefix string per open level,
    which costs memory in the square of the depth (4,096 levels: 240 MB); its bare events
    and an iterative builder do not."""
    builder = ObjectBuilder()
    try:
        for event, value in ijson.basic_parse(stream, use_float=True):
            builder.event(event, value)
    except ijson.JSONError as error:
        raise ExportFormatError(f"{name}: {_describe(error)}") from None
    except UnicodeDecodeError:
        raise ExportFormatError(f"{name}: not UTF-8 text; is it really a JSON export?") from None
    if hasattr(builder, "value"):
        yield builder.value


def _describe(error: Exception) -> str:
    raw = error.args[0] if error.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    message = text.split("\n", 1)[0].removeprefix("parse error: ").removeprefix("lexical error: ").strip()
    if "invalid bytes in UTF8" in message:
        return "not UTF-8 text; is it really a JSON export?"
    if "premature EOF" in message or "Incomplete JSON" in message:
        return "the JSON ends too early; the file looks truncated (download the export again)"
    if "trailing garbage" in message:
        return "unexpected data after the end of the JSON"
    return f"not valid JSON ({message})"


class ScriptJSON:
    """The `var jsonData = [...]` array inside a ChatGPT chat.html, as a byte stream.

    The array is followed by more script, so the stream ends where the JSON could stop:
    ijson reports 'trailing garbage' there, which `iter_html_records` treats as the end.
    Pages that HTML-escape the JSON (&quot;) are unescaped chunk by chunk, holding back
    a possibly split entity."""

    MARKER = re.compile(rb"jsonData\s*=\s*")

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self._raw = raw
        self._buffer = self._find_start(name)
        self._escaped = b"&quot;" in self._buffer[:64] or b"&#34;" in self._buffer[:64]
        self._held = b""

    def _find_start(self, name: str) -> bytes:
        window = b""
        while True:
            data = self._raw.read(_CHUNK)
            if not data:
                raise ExportFormatError(
                    f"{name}: no 'var jsonData = ...' in this HTML; is it a ChatGPT chat.html?"
                )
            window = window[-64:] + data
            match = self.MARKER.search(window)
            if match:
                rest = window[match.end() :]
                return rest + self._raw.read(_CHUNK) if len(rest) < 64 else rest

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        data = self._buffer or self._raw.read(size if size > 0 else _CHUNK)
        self._buffer = b""
        if not self._escaped:
            return data
        data = self._held + data
        amp = data.rfind(b"&")
        if amp >= 0 and b";" not in data[amp:] and len(data) - amp < 12 and data:
            data, self._held = data[:amp], data[amp:]
        else:
            self._held = b""
        return html.unescape(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def iter_html_records(stream: IO[bytes], name: str) -> Iterator[Any]:
    try:
        yield from ijson.items(stream, "item", use_float=True)
    except ijson.JSONError as error:
        if "trailing garbage" not in str(error):
            raise ExportFormatError(f"{name}: {_describe(error)}") from None
    except UnicodeDecodeError:
        raise ExportFormatError(f"{name}: the embedded JSON is not UTF-8 text") from None
