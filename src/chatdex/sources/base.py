"""What every export format module provides, and the record loop they share.

A format module turns the records of one export file into normalized conversations. The
reader in exports.py streams the records (JSON array items, the records under a container
key, JSON Lines, or an HTML page) and hands them to the module that detected them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from chatdex.digests import RecordDigests
from chatdex.errors import ExportFormatError
from chatdex.model import Conversation, Message, Skipped, Unchanged, Visibility

Parsed = Conversation | Skipped | Unchanged
T = TypeVar("T")

# Errors a parser meets on a shape no export has shown yet; the record is skipped, the
# import goes on.
UNEXPECTED = (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError, ArithmeticError)


@dataclass(frozen=True, slots=True)
class Context:
    """Where the records come from: the file's display name (for messages and for ids of
    formats that have none), and the account the export belongs to when it says."""

    name: str
    account: str = ""
    source: str = ""  # the format's name, once the file's first record told it
    # Set by a re-import: records whose digest the index holds are not parsed again.
    digests: RecordDigests | None = None


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # the value of the `source` field, and of `chatdex import --format`
    label: str  # how people call it, in messages
    # Is this record (the first one of a file) of this format?
    detect: Callable[[Any], bool]
    # All records of one file -> conversations. Most formats map one record to one
    # conversation (see `each`); some group records (Gemini) or read a file as one (JSON Lines).
    read: Callable[[Iterator[Any], Context], Iterator[Parsed]]
    # Keys of a top-level object that hold the records as an array (Grok's file).
    containers: tuple[str, ...] = ()
    # HTML pages of this format: recognised by their first bytes, then read whole.
    detect_html: Callable[[bytes], bool] | None = None
    read_html: Callable[[IO[bytes], Context], Iterator[Parsed]] | None = None


def each(
    records: Iterable[Any], context: Context, parse: Callable[[Any, Context], Conversation | None]
) -> Iterator[Parsed]:
    """One conversation per record; a record that fails to parse is skipped and reported.
    `parse` returns None for records that are not conversations and not errors either. A
    record the index already holds as it is (see digests.py) is only counted."""
    digests = context.digests
    for number, record in enumerate(records, start=1):
        if isinstance(record, Skipped):  # a damaged line of a JSON Lines file
            yield record
            continue
        digest = None
        if digests is not None:
            digest = digests.of(record, context.source, context.account)
            if digest is not None and digests.holds(digest):
                yield Unchanged()
                continue
        parsed = or_skipped(f"{context.name}: record {number}", parse, record, context)
        if isinstance(parsed, Conversation):
            parsed.raw_digest = digest
        if parsed is not None:
            yield parsed


def or_skipped(where: str, parse: Callable[..., T], *args: Any) -> T | Skipped:
    """What `parse(*args)` returns, or the Skipped that says why it failed."""
    try:
        return parse(*args)
    except ExportFormatError as error:
        return Skipped(where, str(error))
    except UNEXPECTED as error:
        return Skipped(where, f"unexpected data ({type(error).__name__}: {error})")


# The checks every parser makes on a record before reading it. The messages name what is
# wrong; `each` turns them into the reason a record was skipped.


def an_object(value: Any, what: str) -> dict[str, Any]:
    """`value` as an object, else the error that skips the record (`what`: "a chat record")."""
    if not isinstance(value, dict):
        raise ExportFormatError(f"{what} is {type(value).__name__}, not an object")
    return value


def an_id(value: Any, what: str) -> str:
    """A non-blank id string, else the error that skips the record."""
    if not isinstance(value, str) or not value.strip():
        raise ExportFormatError(f"{what} has no id")
    return value


def optional_field(value: Any, kind: type[dict[str, Any]] | type[list[Any]], where: str, name: str) -> Any:
    """A field holding an object or a list that may be absent (then empty), never another type."""
    if value is None:
        return kind()
    if not isinstance(value, kind):
        shape = "an object" if kind is dict else "a list"
        raise ExportFormatError(f"{where}: '{name}' is {type(value).__name__}, not {shape}")
    return value


def title_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def shown_model(messages: list[Message]) -> str | None:
    """The model of the last answer on the branch the app shows, else of the last answer."""
    answers = [m for m in messages if m.model and m.role == "assistant"]
    models = [m.model for m in answers if m.on_current_branch] or [m.model for m in answers]
    return models[-1] if models else None


def system_prompt(message_id: str, text: str) -> Message:
    """A conversation's own instructions: they shaped every answer but were never shown."""
    return Message(
        id=message_id,
        parent_id=None,
        role="system",
        text=text.strip(),
        content_type="system_prompt",
        on_current_branch=True,
        visibility=Visibility.HIDDEN,
    )


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def keys_of(record: Any) -> set[str]:
    return set(record) if isinstance(record, dict) else set()
