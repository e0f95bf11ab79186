"""`chatdex reindex`: rebuild the index from the exports recorded in it, into a new folder
beside it, and swap the two only once the new one is complete. Used after a schema
change; the old index serves until the swap."""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path

import tantivy

from chatdex.errors import IndexMissing, IndexStateError, InputError
from chatdex.importer import ImportSummary, Progress, import_exports
from chatdex.store import read_meta


def reindex(index_path: Path, progress: Progress | None = None) -> ImportSummary:
    meta = read_meta(index_path) if index_path.is_dir() else None
    if meta is None:
        raise IndexMissing(f"no chatdex index at {index_path} to rebuild")
    recorded = [Path(entry) for entry in meta.get("imports", []) if isinstance(entry, str)]
    if not recorded:
        raise InputError(
            f"the index at {index_path} records no imports; delete it and run `chatdex import` again"
        )
    missing = [str(path) for path in recorded if not path.exists()]
    if missing:
        raise InputError(
            f"cannot rebuild: {len(missing)} recorded export(s) no longer exist ({', '.join(missing[:3])}); "
            f"put them back, or delete {index_path} and run `chatdex import` on your exports again"
        )
    fresh = index_path.with_name(index_path.name + ".rebuild")
    shutil.rmtree(fresh, ignore_errors=True)
    formats = meta.get("formats") if isinstance(meta.get("formats"), dict) else {}
    # In the order they were imported (which copy of a conversation wins can depend on it);
    # exports imported with --format are read with it again, the others detected again.
    runs: list[tuple[str | None, list[Path]]] = []
    for path in recorded:
        forced = formats.get(str(path))
        forced = forced if isinstance(forced, str) else None
        if runs and runs[-1][0] == forced:
            runs[-1][1].append(path)
        else:
            runs.append((forced, [path]))
    summary = ImportSummary()
    for forced, group in runs:
        summary = _add(summary, import_exports(group, fresh, progress, forced_format=forced))
    before, after = _conversations(index_path), _conversations(fresh)
    if before is not None and after is not None and after < before:
        shutil.rmtree(fresh, ignore_errors=True)
        raise IndexStateError(
            f"the rebuild read {after:,} conversations where the index holds {before:,} "
            f"({summary.conversations_skipped:,} skipped); the index was left as it was. "
            "Have the exports it recorded changed? Import them again instead"
        )
    retired = index_path.with_name(index_path.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    index_path.rename(retired)
    fresh.rename(index_path)
    shutil.rmtree(retired, ignore_errors=True)
    return summary


def _conversations(path: Path) -> int | None:
    """How many conversations an index holds, read with the schema it was written with (a
    rebuild usually follows a schema change); None when that cannot be told."""
    try:
        index = tantivy.Index.open(str(path))
        query = index.parse_query("kind:conversation", ["kind"])
        return int(index.searcher().search(query, 1, count=True).count or 0)
    except (ValueError, OSError):
        return None


def _add(total: ImportSummary, part: ImportSummary) -> ImportSummary:
    for field in fields(ImportSummary):
        value = getattr(part, field.name)
        if field.name == "warnings":
            total.warnings.extend(value)
        else:
            setattr(total, field.name, getattr(total, field.name) + value)
    return total
