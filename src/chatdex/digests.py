"""Digests of export records as read, so that a re-import skips a record the index already
holds without parsing it: normalizing a conversation costs several times more than hashing
its record."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson


class RecordDigests:
    """64 bits of SHA-256 over a record with what else decides what it normalizes to: its
    format, the account, and the parser version (bumped when parsing changes). SHA-256, not
    a faster checksum: a collision would pass a changed conversation off as unchanged.
    `known` maps the digests of the conversations the index had when the import began to
    their conversation's ordinal; `replaced` holds the ordinals this import has written
    since, whose digests no longer tell what the index holds."""

    def __init__(self, known: dict[int, int], parser_version: int) -> None:
        self.known = known
        self.replaced: set[int] = set()
        self._salt = b"%d\x00" % parser_version

    def holds(self, digest: int) -> bool:
        """Does the index hold the conversation of a record with this digest, as it is?"""
        ordinal = self.known.get(digest)
        return ordinal is not None and ordinal not in self.replaced

    def of(self, record: Any, source: str, account: str) -> int | None:
        """The record's digest, or None for one that is not plain JSON (it is parsed as usual)."""
        try:
            payload = orjson.dumps(record)
        except (TypeError, orjson.JSONEncodeError):
            return None
        hashed = hashlib.sha256(self._salt)
        hashed.update(source.encode())
        hashed.update(b"\x00")
        hashed.update(account.encode("utf-8", "surrogatepass"))
        hashed.update(b"\x00")
        hashed.update(payload)
        return int.from_bytes(hashed.digest()[:8], "big")
