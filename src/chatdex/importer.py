"""`chatdex import`: export files -> normalized conversations -> index documents.

Re-import rules: a conversation whose content hash is already indexed is skipped; a changed
one replaces all its documents (delete by key, then add); one older than the indexed copy
(by update time) is kept out; conversations absent from an export stay. Commits happen
between conversations in batches, so a crash leaves only whole conversations and a rerun
completes the rest."""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy

from chatdex import archive, documents, sources, stored
from chatdex.digests import RecordDigests
from chatdex.errors import ChatdexError, ExportFormatError, InputError
from chatdex.exports import read_conversations
from chatdex.model import Conversation, Skipped, Unchanged
from chatdex.store import Store, open_for_write, remove_orphan_files, write_failure

# Each commit leaves new segments that tantivy merges later: at 20,000 messages a batch,
# merging cost a fifth of a large import's time (benchmarks/RESULTS.md).
BATCH_MESSAGES = 100_000


@dataclass
class ImportSummary:
    files: int = 0
    bytes: int = 0
    conversations_new: int = 0
    conversations_updated: int = 0
    conversations_unchanged: int = 0
    conversations_older: int = 0
    conversations_skipped: int = 0
    messages_indexed: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def conversations_seen(self) -> int:
        return (
            self.conversations_new
            + self.conversations_updated
            + self.conversations_unchanged
            + self.conversations_older
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["messages_per_second"] = round(self.messages_indexed / self.seconds, 1) if self.seconds else 0.0
        data["seconds"] = round(self.seconds, 3)
        return data


class Progress:
    """What the importer reports while it runs; the CLI subclasses it with a progress bar."""

    def start(self, total_bytes: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def conversation(self, summary: ImportSummary) -> None: ...

    def stop(self) -> None: ...


@dataclass(slots=True)
class _Known:
    digest: int
    updated: datetime | None


class _Importer:
    def __init__(
        self, store: Store, summary: ImportSummary, batch_messages: int, wait_seconds: float
    ) -> None:
        self.store = store
        self.index_schema = store.schema
        self.schema = store.schema.schema
        self.summary = summary
        self.batch_messages = batch_messages
        self.writer = store.writer(wait_seconds=wait_seconds)
        # Taken once: the committed state before this run. What this run writes is in `_written`.
        self.searcher = store.index.searcher()
        self._written: dict[str, _Known] = {}
        self._pending = 0
        self._pending_conversations = 0
        self.committed_conversations = 0
        self.digests: RecordDigests | None = None

    def load_digests(self) -> RecordDigests:
        """Keep (and return) the digests of the export records behind every conversation the
        index holds, for `read_conversations` to skip and `add` to mark replaced."""
        query = tantivy.Query.term_query(self.schema, "kind", stored.CONVERSATION)
        total = self.searcher.doc_freq("kind", stored.CONVERSATION)  # deleted ones included: enough
        known: dict[int, int] = {}
        if total:
            addresses = [address for _, address in self.searcher.search(query, total, count=False).hits]
            digests = self.searcher.fast_field_values("raw_digest", addresses)
            ordinals = self.searcher.fast_field_values("conv_ord", addresses)
            known = {
                digest: ordinal
                for digest, ordinal in zip(digests, ordinals, strict=True)
                if isinstance(digest, int) and isinstance(ordinal, int)
            }
        self.digests = RecordDigests(known, documents.PARSER_VERSION)
        return self.digests

    def known(self, key: str) -> _Known | None:
        if key in self._written:
            return self._written[key]
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "conv_key", key)),
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "kind", stored.CONVERSATION)),
            ]
        )
        hits = self.searcher.search(query, 1).hits
        if not hits:
            return None
        record = self.searcher.doc(hits[0][1])
        return _Known(record.get_first("conv_hash"), record.get_first("conv_updated"))

    def add(self, conversation: Conversation) -> None:
        digest = documents.content_hash(conversation)
        key = conversation.key
        existing = self.known(key)
        if existing is not None and existing.digest == digest:
            self.summary.conversations_unchanged += 1
            return
        if (
            existing is not None
            and existing.updated is not None
            and conversation.updated is not None
            and conversation.updated < existing.updated
        ):
            self.summary.conversations_older += 1
            return
        try:
            # Built before anything is deleted, so a value the index refuses skips this
            # conversation and leaves its indexed copy alone.
            built = documents.message_documents(conversation, self.index_schema)
            built.append(documents.conversation_record(conversation, digest, self.index_schema))
        except ValueError as error:
            raise ExportFormatError(f"conversation {conversation.id}: {error}") from None
        try:
            if existing is not None:
                self.writer.delete_documents_by_term("conv_key", key)
            for document in built:
                self.writer.add_document(document)
        except ValueError as error:  # the writer died: a failed write in one of its threads
            raise write_failure(self.store.path, error) from None
        if existing is not None:
            self.summary.conversations_updated += 1
        else:
            self.summary.conversations_new += 1
        self._written[key] = _Known(digest, conversation.updated)
        if self.digests is not None:
            self.digests.replaced.add(documents.conversation_ordinal(key))
        self.summary.messages_indexed += len(conversation.messages)
        self._pending += len(conversation.messages) + 1
        self._pending_conversations += 1
        if self._pending >= self.batch_messages:
            self.commit()

    def commit(self) -> None:
        try:
            self.writer.commit()
        except ValueError as error:  # tantivy's I/O errors: disk full, permissions, ...
            raise write_failure(self.store.path, error) from None
        self.committed_conversations += self._pending_conversations
        self._pending = self._pending_conversations = 0

    def close(self, ok: bool) -> None:
        failed = not ok
        try:
            if ok:
                self.commit()
        except ChatdexError:
            failed = True
            raise
        finally:
            if failed:
                with contextlib.suppress(ValueError):
                    self.writer.rollback()
            # Waiting for merges releases the writer and its lock before the command returns;
            # a merge that fails (disk full) leaves the committed segments as they were.
            with contextlib.suppress(ValueError):
                self.writer.wait_merging_threads()
            if failed:
                self._collect_garbage()

    def _collect_garbage(self) -> None:
        """Remove the segment files of the batch that was not committed. A writer whose thread
        failed (a full disk) cannot do it, so a fresh one does; left behind, they would keep
        the disk full and make even an unchanged re-import fail."""
        del self.writer  # a failed writer can keep its lock until it is dropped
        with contextlib.suppress(ValueError, ChatdexError):
            writer = self.store.writer(wait_seconds=2.0)
            try:
                writer.garbage_collect_files()
                remove_orphan_files(self.store.path)
            finally:
                writer.wait_merging_threads()


def import_exports(
    paths: list[Path],
    index_path: Path,
    progress: Progress | None = None,
    batch_messages: int = BATCH_MESSAGES,
    wait_seconds: float = 0.0,
    forced_format: str | None = None,
) -> ImportSummary:
    """Import every export under `paths`. All paths are resolved and checked before the
    index is opened; on an error mid-file, the batch in progress is rolled back and the
    batches already committed (whole conversations) stay. `forced_format` names the format
    to read every file as, instead of detecting it."""
    started = time.perf_counter()
    progress = progress or Progress()
    forced = None
    if forced_format is not None:
        forced = sources.by_name(forced_format)
        if forced is None:
            raise InputError(f"unknown format {forced_format!r}; chatdex reads {', '.join(sources.names())}")
    collected = archive.collect(paths)
    summary = ImportSummary(files=len(collected.files), warnings=list(collected.warnings))
    store = open_for_write(index_path)
    importer = _Importer(store, summary, batch_messages, wait_seconds)
    progress.start(sum(export.size for export in collected.files))

    def on_read(nbytes: int) -> None:
        summary.bytes += nbytes
        progress.advance(nbytes)

    ok = False
    try:
        digests = importer.load_digests()
        for export in collected.files:
            for item in read_conversations(export, on_read, forced, digests):
                if isinstance(item, Unchanged):
                    summary.conversations_unchanged += 1
                elif isinstance(item, Conversation):
                    try:
                        importer.add(item)
                    except ExportFormatError as error:
                        item = Skipped(f"{export.name}: conversation {item.id}", str(error))
                if isinstance(item, Skipped):
                    summary.conversations_skipped += 1
                    summary.warnings.append(f"{item.where} skipped: {item.reason}")
                progress.conversation(summary)
        ok = True
    except ChatdexError as error:
        kept = importer.committed_conversations
        if kept:
            raise type(error)(
                f"{error} ({kept:,} new or changed conversation{'s' if kept != 1 else ''} read before "
                "the error were imported and kept; the rest were not)"
            ) from None
        raise
    finally:
        progress.stop()
        importer.close(ok)
    store.record_import(paths, forced_format)
    summary.seconds = time.perf_counter() - started
    return summary
