"""`chatdex reindex`: rebuild the index from the exports recorded in it, into a new folder
beside it, and swap the two only once the new one is complete. Used after a schema
change; the old index serves until the swap."""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path

from chatdex.errors import IndexMissing, InputError
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
    # Exports imported with --format are read with it again, the others detected again.
    by_format: dict[str | None, list[Path]] = {}
    for path in recorded:
        forced = formats.get(str(path))
        by_format.setdefault(forced if isinstance(forced, str) else None, []).append(path)
    summary = ImportSummary()
    for forced, group in by_format.items():
        part = import_exports(group, fresh, progress, forced_format=forced)
        summary = _add(summary, part)
    retired = index_path.with_name(index_path.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    index_path.rename(retired)
    fresh.rename(index_path)
    shutil.rmtree(retired, ignore_errors=True)
    return summary


def _add(total: ImportSummary, part: ImportSummary) -> ImportSummary:
    for field in fields(ImportSummary):
        value = getattr(part, field.name)
        if field.name == "warnings":
            total.warnings.extend(value)
        else:
            setattr(total, field.name, getattr(total, field.name) + value)
    return total
