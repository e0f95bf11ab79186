"""The one exception hierarchy. Every message is written for the person at the terminal:
it says what went wrong and, where there is one, what to do. The CLI prints it on one
line and exits with code 1; anything else escaping is a bug."""

from __future__ import annotations


class ChatdexError(Exception):
    """Base class: str(error) is the whole user-facing message."""


class InputError(ChatdexError):
    """An export file or folder that cannot be read as given."""


class UnsupportedInput(InputError):
    """A readable file that is not an export format chatdex knows."""


class ArchiveError(InputError):
    """A ZIP archive that is corrupt, hostile or beyond the caps."""


class ExportFormatError(InputError):
    """JSON (or HTML) whose content is not the shape the format requires."""


class IndexStateError(ChatdexError):
    """Problems with the index directory itself."""


class IndexBusy(IndexStateError):
    """Another process holds the index writer lock."""


class SchemaMismatch(IndexStateError):
    """The index on disk was written with another schema version."""


class IndexMissing(IndexStateError):
    """No index at the location (for commands that only read)."""


class IndexCorrupt(IndexStateError):
    """Files at the location that tantivy or chatdex cannot open."""


class InvalidQuery(ChatdexError):
    """A search query the parser rejects."""
