"""`chatdex reindex`: rebuild the index from the exports recorded in it, into a new folder
beside it, and swap the two only once the new one is complete. Used after a schema
change; the old index serves until the swap."""

from __future__ import annotations

import shutil
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
    summary = import_exports(recorded, fresh, progress)
    retired = index_path.with_name(index_path.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    index_path.rename(retired)
    fresh.rename(index_path)
    shutil.rmtree(retired, ignore_errors=True)
    return summary
