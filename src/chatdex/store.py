"""Opening the index directory: creating it, checking it was written by this chatdex with
this schema version, and taking the writer lock with a message people can act on.

Beside tantivy's files the directory holds chatdex.json: the schema version and the list
of exports imported, which `chatdex reindex` replays into a fresh index."""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import tantivy

from chatdex import __version__
from chatdex.errors import IndexBusy, IndexCorrupt, IndexMissing, IndexStateError, SchemaMismatch
from chatdex.schema import IndexSchema, load

META_FILE = "chatdex.json"
_TANTIVY_META = "meta.json"


@dataclass
class Store:
    path: Path
    index: tantivy.Index
    schema: IndexSchema
    meta: dict[str, Any] = field(default_factory=dict)

    def save_meta(self) -> None:
        write_meta(self.path, self.meta)

    def record_import(self, paths: list[Path], forced_format: str | None = None) -> None:
        known = self.meta.setdefault("imports", [])
        formats = self.meta.setdefault("formats", {})
        for path in paths:
            entry = str(path.resolve())
            if entry not in known:
                known.append(entry)
            if forced_format:  # so that `chatdex reindex` reads it the same way
                formats[entry] = forced_format
            else:
                formats.pop(entry, None)
        self.save_meta()

    def writer(
        self, heap_bytes: int = 256_000_000, threads: int = 0, wait_seconds: float = 0.0
    ) -> tantivy.IndexWriter:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                return self.index.writer(heap_size=heap_bytes, num_threads=threads)
            except ValueError as error:
                text = str(error)
                if "LockBusy" in text:
                    if time.monotonic() < deadline:
                        time.sleep(0.2)
                        continue
                    raise IndexBusy(
                        f"the index at {self.path} is busy: another chatdex import is writing to it; "
                        "wait for it to finish and run this again"
                    ) from None
                if _reason(text):
                    raise write_failure(self.path, error) from None
                raise IndexCorrupt(f"cannot open the index at {self.path} for writing: {text}") from None

    def size_bytes(self) -> int:
        total = 0
        for entry in os.scandir(self.path):
            # A running import adds and removes segment files while this sums them.
            with contextlib.suppress(FileNotFoundError):
                if entry.is_file():
                    total += entry.stat().st_size
        return total


_OS_REASONS = {
    "No space left": "the disk is full",
    "Permission denied": "permission denied",
    "Read-only file system": "the file system is read-only",
    "Quota exceeded": "the disk quota is exceeded",
}


def _reason(text: str) -> str | None:
    return next((reason for needle, reason in _OS_REASONS.items() if needle in text), None)


def _probe(path: Path) -> str | None:
    """Why writing to the index folder fails, found by trying: when a writer thread dies,
    tantivy says only that it was killed, not why."""
    import errno

    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.EDQUOT: "the disk quota is exceeded",
    }
    probe = path / ".chatdex-write-probe"
    try:
        with probe.open("wb") as handle:
            handle.write(b"\0" * 65536)
            handle.flush()
            os.fsync(handle.fileno())
        for name in (".managed.json", "meta.json"):
            if (path / name).exists():
                with (path / name).open("r+b"):
                    pass
    except OSError as error:
        return reasons.get(error.errno or 0, error.strerror)
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return None


def write_failure(path: Path, error: BaseException) -> IndexStateError:
    """A failed write to the index, said as the operating system's reason when there is one.
    Tantivy keeps the last commit intact, so that is what the index still holds."""
    reason = _reason(str(error)) or _probe(path) or str(error).split("\n", 1)[0][:200]
    return IndexStateError(
        f"cannot write to the index at {path}: {reason}; "
        "it still holds what the last complete import committed"
    )


_SEGMENT_FILE = re.compile(r"([0-9a-f]{32})\.")


def remove_orphan_files(path: Path) -> None:
    """Delete segment files no commit refers to, and temporary files of interrupted writes.
    Call only while holding the writer lock. Tantivy's own garbage collection misses files a
    dying writer thread was still writing when the disk filled up."""
    try:
        meta = orjson.loads((path / _TANTIVY_META).read_bytes())
        live = {str(segment["segment_id"]).replace("-", "") for segment in meta["segments"]}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return  # without a readable commit there is no telling what is live
    for entry in os.scandir(path):
        segment = _SEGMENT_FILE.match(entry.name)
        if (segment and segment.group(1) not in live) or entry.name.startswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    # Written whole to a temporary file and renamed, so a crash never leaves half a file.
    target = path / META_FILE
    temp = path / f".{META_FILE}.tmp"
    try:
        temp.write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        os.replace(temp, target)
    except OSError as error:
        raise write_failure(path, error) from None


def _damaged(path: Path) -> IndexCorrupt:
    # Without its record of imports the index cannot rebuild itself: start again from the exports.
    return IndexCorrupt(
        f"{path / META_FILE} is damaged; delete {path} and run `chatdex import` on your exports again"
    )


def read_meta(path: Path) -> dict[str, Any] | None:
    try:
        data = orjson.loads((path / META_FILE).read_bytes())
    except FileNotFoundError:
        return None
    except (orjson.JSONDecodeError, OSError):
        raise _damaged(path) from None
    if not (
        isinstance(data, dict)
        and isinstance(data.get("imports", []), list)
        and all(isinstance(entry, str) for entry in data.get("imports", []))
    ):
        raise _damaged(path)
    return data


def rebuild_hint(path: Path, meta: dict[str, Any]) -> str:
    if meta.get("imports"):
        count = len(meta["imports"])
        return f"rebuild it with `chatdex reindex --index {path}` (re-imports the {count} exports recorded)"
    return f"delete {path} and run `chatdex import` on your exports again"


def _check_version(path: Path, meta: dict[str, Any], schema: IndexSchema) -> None:
    found = meta.get("schema_version")
    if found != schema.version:
        raise SchemaMismatch(
            f"the index at {path} was built with schema version {found}, and this chatdex uses "
            f"version {schema.version}; {rebuild_hint(path, meta)}"
        )


def _open_tantivy(path: Path, schema: IndexSchema) -> tantivy.Index:
    try:
        index = tantivy.Index.open(str(path))
    except ValueError as error:
        reason = _reason(str(error))
        if reason:
            # Even reading takes tantivy's lock file in the folder.
            raise IndexStateError(f"cannot open the index at {path}: {reason}") from None
        raise IndexCorrupt(f"cannot open the index at {path}: {error}") from None
    schema.register(index)
    return index


def open_for_read(path: Path) -> Store:
    schema = load()
    meta = read_meta(path) if path.is_dir() else None
    if meta is None or not (path / _TANTIVY_META).exists():
        if path.is_dir() and (path / _TANTIVY_META).exists():
            raise IndexCorrupt(f"{path} holds a search index that chatdex did not create")
        raise IndexMissing(f"no index at {path} yet; run `chatdex import <export.zip>` first")
    _check_version(path, meta, schema)
    return Store(path, _open_tantivy(path, schema), schema, meta)


def open_for_write(path: Path) -> Store:
    """Open the index, creating it (and its parent folders) on first use."""
    schema = load()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise IndexStateError(f"cannot create the index folder {path}: {error.strerror}") from None
    meta = read_meta(path)
    has_tantivy = (path / _TANTIVY_META).exists()
    if meta is None:
        if has_tantivy:
            raise IndexCorrupt(
                f"{path} holds a search index that chatdex did not create; choose another --index"
            )
        if any(path.iterdir()):
            raise IndexStateError(f"{path} is not empty and is not a chatdex index; choose another --index")
        meta = {"schema_version": schema.version, "created_by": f"chatdex {__version__}", "imports": []}
        try:
            write_meta(path, meta)
        except OSError as error:
            raise IndexStateError(f"cannot write to {path}: {error.strerror}") from None
    _check_version(path, meta, schema)
    if not has_tantivy:
        try:
            index = tantivy.Index(schema.schema, path=str(path), reuse=True)
        except ValueError as error:
            raise IndexStateError(f"cannot create the index at {path}: {error}") from None
        schema.register(index)
    else:
        index = _open_tantivy(path, schema)
    return Store(path, index, schema, meta)
