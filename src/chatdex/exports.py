"""Turn one export file into a stream of normalized conversations (or skipped records)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from chatdex.archive import ExportFile
from chatdex.errors import ExportFormatError, InputError
from chatdex.jsonstream import DepthGuard, ScriptJSON, first_char, iter_html_records, iter_json_records
from chatdex.model import Conversation, Skipped
from chatdex.sources import chatgpt

_END = object()
_SIDE_FILES = (
    "message_feedback.json",
    "model_comparisons.json",
    "shared_conversations.json",
    "user.json",
    "export_manifest.json",
    "conversation_asset_file_names.json",
)


def read_conversations(
    export: ExportFile, on_read: Callable[[int], None] | None = None
) -> Iterator[Conversation | Skipped]:
    try:
        yield from _read(export, on_read)
    except OSError as error:  # the file vanished, or the disk failed, after it was found
        raise InputError(f"{export.name}: reading failed ({error.strerror or error})") from None


def _read(export: ExportFile, on_read: Callable[[int], None] | None) -> Iterator[Conversation | Skipped]:
    with export.opener() as raw:
        if export.kind == "html":
            records = iter_html_records(
                DepthGuard(ScriptJSON(raw, export.name), export.name, on_read), export.name
            )
            yield from _parse_all(export, records)
            return
        start = first_char(raw, export.name)
    if start not in (b"[", b"{"):
        raise ExportFormatError(f"{export.name}: not JSON (it starts with {start.decode('latin-1')!r})")
    with export.opener() as raw:
        stream = DepthGuard(raw, export.name, on_read)
        if start == b"{":
            # A single conversation saved on its own (browser extensions, API dumps).
            yield from _parse_all(export, iter_json_records(stream, export.name, ""))
        else:
            yield from _parse_all(export, iter_json_records(stream, export.name, "item"))


def _parse_all(export: ExportFile, records: Iterator[Any]) -> Iterator[Conversation | Skipped]:
    first = next(records, _END)
    if first is _END:
        return
    if not chatgpt.is_conversation(first):
        side = next((name for name in _SIDE_FILES if export.name.endswith(name)), None)
        if side:
            raise ExportFormatError(
                f"{export.name}: {side} is a side file of the export, not its conversations; "
                "import conversations.json, or the whole ZIP or folder"
            )
        raise ExportFormatError(f"{export.name}: JSON of the wrong shape: {_shape(first)}")
    for number, record in enumerate(chain([first], records), start=1):
        where = f"{export.name}: record {number}"
        try:
            parsed = chatgpt.parse_conversation(record, export.account)
        except ExportFormatError as error:
            yield Skipped(where, str(error))
            continue
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as error:
            # A shape no era of the export has shown yet: skip the record, keep the import.
            yield Skipped(where, f"unexpected data ({type(error).__name__}: {error})")
            continue
        yield parsed


def _shape(record: Any) -> str:
    expected = "expected ChatGPT conversations (objects with 'mapping' and 'id')"
    if isinstance(record, dict):
        keys = ", ".join(sorted(map(str, record))[:6]) or "none"
        return f"{expected}, found an object with keys {keys}"
    return f"{expected}, found {type(record).__name__} values"
