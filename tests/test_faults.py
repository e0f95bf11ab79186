"""Faults that come from outside chatdex: an index folder it may not write to, a disk that
fills up, an export that breaks while it is being read, a damaged chatdex.json. Each must
end in one readable `error:` line and exit code 1, and leave the index that existed before
opening and searching as it did."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import pytest
import tantivy
from typer.testing import CliRunner, Result

from chatdex import archive
from chatdex.cli import app
from chatdex.errors import ArchiveError, ChatdexError, ExportFormatError, IndexStateError
from chatdex.importer import import_exports
from chatdex.search import SearchOptions, search
from chatdex.stats import index_stats
from tests import synthetic

# What tantivy 0.27 raises, verbatim, when it meets each fault for real (seen on Linux with
# a read-only index folder and a full tmpfs).
LOCK_PERMISSION = (
    'Failed to acquire Lockfile: IoError(Os { code: 13, kind: PermissionDenied, message: "Permission denied" }). '
    'Some("Failed to acquire index lock. If you are using a regular directory, this means there is already an '
    '`IndexWriter` working on this `Directory`, in this process or in a different process.")'
)
WRITE_PERMISSION = (
    "Failed to open file for write: 'IoError { io_error: Custom { kind: PermissionDenied, error: PathError { "
    'path: "{index}/.tmpOhu6UP", err: Os { code: 13, kind: PermissionDenied, message: "Permission denied" } } '
    '}, filepath: "1ccb2277dff24e9f818d18b898a3c28d.fieldnorm" }\''
)
WRITER_KILLED = (
    "An error occurred in a thread: 'An index writer was killed.. A worker thread encountered an error "
    "(io::Error most likely) or panicked.'"
)
DISK_FULL = "Internal error: 'No space left on device (os error 28)'"
# Any of these says the disk is full ("the disk is full", "no space left on device", ...).
FULL_DISK = re.compile(r"disk is full|no space|out of space|not enough space", re.IGNORECASE)
# Rust's debug formatting of an io::Error: never part of a message meant for people.
RUST_DEBUG = re.compile(r"IoError|Os \{|PathError|Some\(|None$|os error \d+")

CONVERSATIONS = 300
MESSAGES = 10
SEED = 5


def _invoke(*args: object) -> Result:
    """The CLI in this process; an exception other than SystemExit escaping it is a bug."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        pytest.fail(
            f"`chatdex {' '.join(map(str, args))}` let {type(result.exception).__name__} escape: "
            f"{result.exception}"
        )
    return result


def _chatdex(*args: object) -> list[str]:
    return [sys.executable, "-m", "chatdex.cli", *map(str, args)]


def _assert_one_error_line(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    line = lines[0]
    assert not RUST_DEBUG.search(line), f"Rust debug output in the message: {line}"
    for needle in needles:
        assert needle.lower() in line.lower(), f"{needle!r} not in {line!r}"
    return line


def _counts(index_path: Path) -> tuple[int, int]:
    stats = index_stats(index_path)
    return stats["conversations"], stats["messages"]


def _found(index_path: Path, query: str) -> list[str]:
    return sorted(hit.message_id[:8] for hit in search(index_path, SearchOptions(query)))


@pytest.fixture
def seeded(data: Path, index_path: Path) -> Path:
    """An index holding the 2023 fixture: 2 conversations, 9 messages."""
    import_exports([data / "chatgpt_2023.json"], index_path)
    assert _counts(index_path) == (2, 9)
    assert _found(index_path, "sourdough starter") == ["2023a002"]
    return index_path


def _assert_as_before(index_path: Path) -> None:
    assert _counts(index_path) == (2, 9)
    assert _found(index_path, "sourdough starter") == ["2023a002"]


# --- (a) an index folder chatdex may not write to -------------------------------------


def test_writer_lock_refused_for_permissions_is_a_clear_error(
    seeded: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: tantivy.Index, *args: Any, **kwargs: Any) -> tantivy.IndexWriter:
        raise ValueError(LOCK_PERMISSION)

    # monkeypatch.context(), not undo(): undo() would also drop the autouse CHATDEX_HOME.
    with monkeypatch.context() as patch:
        patch.setattr(tantivy.Index, "writer", refuse)
        with pytest.raises(IndexStateError) as caught:
            import_exports([data / "chatgpt_2024.json"], seeded)
        assert str(caught.value).startswith(f"cannot write to the index at {seeded}: permission denied")
        result = _invoke("import", data / "chatgpt_2024.json", "--index", seeded)
        assert (result.exit_code, result.stdout) == (1, "")
        line = _assert_one_error_line(result.stderr)
        assert line == f"error: {caught.value}", line
        _assert_as_before(seeded)
    assert import_exports([data / "chatgpt_2024.json"], seeded).conversations_new == 3
    assert _counts(seeded) == (5, 30)


@pytest.mark.parametrize(
    ("method", "raised", "needle"),
    [
        ("commit", WRITE_PERMISSION, "permission denied"),
        ("add_document", WRITER_KILLED, ""),
        ("commit", DISK_FULL, "full-disk"),
    ],
    ids=["commit-permission-denied", "add-writer-killed", "commit-disk-full"],
)
def test_a_write_refused_after_the_writer_opened_is_a_clear_error(
    seeded: Path, data: Path, monkeypatch: pytest.MonkeyPatch, method: str, raised: str, needle: str
) -> None:
    """What tantivy raises when the folder turns read-only (or fills up) after the lock was
    taken: from add_document when its worker thread died, from commit when a file could not
    be written. Both must reach the person as a ChatdexError naming the index."""

    def refuse(self: tantivy.IndexWriter, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(raised.replace("{index}", str(seeded)))

    caught: BaseException | None = None
    with monkeypatch.context() as patch:
        patch.setattr(tantivy.IndexWriter, method, refuse)
        try:
            import_exports([data / "chatgpt_2024.json"], seeded)
        except Exception as error:
            caught = error
        result = CliRunner().invoke(app, ["import", str(data / "chatgpt_2024.json"), "--index", str(seeded)])
    _assert_as_before(seeded)
    assert caught is not None, "the refused write went unnoticed"
    assert isinstance(caught, ChatdexError), f"raw {type(caught).__name__} escaped: {caught}"
    message = str(caught)
    assert str(seeded) in message and not RUST_DEBUG.search(message), message
    line = ""
    if result.exit_code == 1 and not isinstance(result.exception, ValueError):
        line = _assert_one_error_line(result.stderr, str(seeded))
    assert line, f"exit code {result.exit_code}, {result.exception!r}"
    for said in (message, line):
        if needle == "full-disk":
            assert FULL_DISK.search(said), said
        else:
            assert needle in said.lower(), said


def _without_write_permission_bypass() -> list[str] | None:
    """A command prefix under which chmod stops writes: nothing for an ordinary user; for
    root, setpriv dropping the capabilities that bypass file permissions. None if neither."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    dropped = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, "--bounding-set", dropped, "--inh-caps", dropped]


def _set_modes(index_path: Path, folder: int, files: int, hidden_too: bool) -> None:
    for entry in index_path.iterdir():
        if hidden_too or not entry.name.startswith("."):
            entry.chmod(files)
    index_path.chmod(folder)


@pytest.mark.parametrize("hidden_too", [False, True], ids=["data-files", "everything"])
def test_a_read_only_index_folder_for_real(seeded: Path, data: Path, hidden_too: bool) -> None:
    """chmod the folder 0o555 and its files 0o444 (`data-files` leaves tantivy's lock files
    writable, as `chmod a-w index/*` does; `everything` is `chmod -R a-w`)."""
    prefix = _without_write_permission_bypass()
    if prefix is None:
        pytest.skip("running as root without setpriv: chmod does not stop writes")
    probe = [*prefix, sys.executable, "-c", f"open({str(seeded / 'probe')!r}, 'w')"]
    works = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True, timeout=30)
    if works.returncode != 0:
        pytest.skip(f"cannot drop capabilities here: {works.stderr.decode(errors='replace').strip()}")
    _set_modes(seeded, 0o555, 0o444, hidden_too)
    try:
        if subprocess.run(probe, capture_output=True, timeout=30).returncode == 0:
            pytest.skip("chmod 0o555 does not stop writes here")
        imported = subprocess.run(
            [*prefix, *_chatdex("import", data / "chatgpt_2024.json", "--index", seeded)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        stats = subprocess.run(
            [*prefix, *_chatdex("stats", "--index", seeded, "--json")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        _set_modes(seeded, 0o755, 0o644, True)
    assert (imported.returncode, imported.stdout) == (1, ""), imported.stderr
    _assert_one_error_line(imported.stderr, str(seeded), "permission denied")
    # Reading a read-only index either works or says why in one line.
    if stats.returncode == 0:
        assert '"conversations": 2,' in stats.stdout and '"messages": 9,' in stats.stdout
    else:
        _assert_one_error_line(stats.stderr, str(seeded))
    _assert_as_before(seeded)
    assert import_exports([data / "chatgpt_2024.json"], seeded).conversations_new == 3
    assert _counts(seeded) == (5, 30)


# --- (b) a full disk ----------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only, and only where mounting is allowed)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mountpoint)], capture_output=True, timeout=30
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mountpoint
    finally:
        if subprocess.run(["umount", str(mountpoint)], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 7.7 MB export of 1500 conversations, and the first 5 of them on their own."""
    folder = tmp_path_factory.mktemp("disk-exports")
    big, small = folder / "big.json", folder / "small.json"
    big.write_bytes(synthetic.export(1500, MESSAGES, seed=SEED))
    small.write_bytes(synthetic.export(5, MESSAGES, seed=SEED))
    return big, small


def _fill_and_fail(index_path: Path, big: Path) -> BaseException | None:
    """Import the big export into an index holding the small one, on the small disk."""
    assert _counts(index_path) == (5, 50)
    try:
        import_exports([big], index_path)
    except Exception as error:
        return error
    return None


def test_a_full_disk_is_a_clear_error_and_the_index_keeps_its_content(
    small_disk: Path, exports: tuple[Path, Path]
) -> None:
    big, small = exports
    index_path = small_disk / "index"
    assert import_exports([small], index_path).conversations_new == 5
    caught = _fill_and_fail(index_path, big)
    assert caught is not None, "7.7 MB of export fitted in a 2 MB disk?"
    assert _counts(index_path) == (5, 50)
    assert [hit.conversation_id for hit in search(index_path, SearchOptions("c3"))] == ["synthetic-000003"]
    assert isinstance(caught, ChatdexError), f"raw {type(caught).__name__} escaped: {caught}"
    message = str(caught)
    assert str(index_path) in message and FULL_DISK.search(message), message
    assert not RUST_DEBUG.search(message), message


def test_a_full_disk_from_the_cli_is_one_error_line(small_disk: Path, exports: tuple[Path, Path]) -> None:
    big, small = exports
    index_path = small_disk / "index"
    assert import_exports([small], index_path).conversations_new == 5
    result = subprocess.run(
        _chatdex("import", big, "--index", index_path, "--quiet"), capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert _counts(index_path) == (5, 50)
    line = _assert_one_error_line(result.stderr, str(index_path))
    assert FULL_DISK.search(line), line


def test_a_failed_import_on_a_full_disk_leaves_no_partial_segments_behind(
    small_disk: Path, exports: tuple[Path, Path]
) -> None:
    """The segments written before the disk filled up belong to no commit. Left in the
    folder, they keep the disk full, and even re-importing the unchanged small export fails."""
    big, small = exports
    index_path = small_disk / "index"
    assert import_exports([small], index_path).conversations_new == 5
    before = index_stats(index_path)["index_bytes"]
    assert _fill_and_fail(index_path, big) is not None
    after = index_stats(index_path)["index_bytes"]
    assert after <= before + 64 * 1024, f"the index folder grew from {before:,} to {after:,} bytes"
    again = import_exports([small], index_path)
    assert (again.conversations_new, again.conversations_unchanged) == (0, 5)


def test_once_there_is_space_again_the_rerun_completes(small_disk: Path, exports: tuple[Path, Path]) -> None:
    big, small = exports
    index_path = small_disk / "index"
    assert import_exports([small], index_path).conversations_new == 5
    assert _fill_and_fail(index_path, big) is not None
    grown = subprocess.run(
        ["mount", "-o", "remount,size=64m", str(small_disk)], capture_output=True, timeout=30
    )
    assert grown.returncode == 0, grown.stderr
    summary = import_exports([big], index_path)
    assert (summary.conversations_new, summary.conversations_unchanged) == (1495, 5)
    assert _counts(index_path) == (1500, 15000)


# --- (c) an export that breaks while it is read ------------------------------------------


class _Tripwire:
    """A stream that passes reads through, and once `after` bytes went by does `action`
    (raise, truncate the file on disk, delete it) before reading on."""

    def __init__(self, raw: IO[bytes], after: int, action: Callable[[], None]) -> None:
        self._raw = raw
        self._after = after
        self._action = action
        self._read = 0
        self._fired = False

    def read(self, size: int = -1) -> bytes:
        if not self._fired and self._read >= self._after:
            self._fired = True
            self._action()
        data = self._raw.read(size)
        self._read += len(data)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _Tripwire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _trip_collected(monkeypatch: pytest.MonkeyPatch, after: int, action: Callable[[], None]) -> None:
    original = archive.collect

    def collect(paths: list[Path]) -> archive.Collected:
        collected = original(paths)
        files = [
            replace(export, opener=lambda opener=export.opener: _Tripwire(opener(), after, action))
            for export in collected.files
        ]
        return archive.Collected(files, collected.warnings)

    monkeypatch.setattr(archive, "collect", collect)


@pytest.fixture(scope="module")
def export_bytes() -> bytes:
    return synthetic.export(CONVERSATIONS, MESSAGES, seed=SEED)


_KEPT = re.compile(
    r"\((\d+) new or changed conversations? read before the error were imported and kept; the rest were not\)$"
)


def _break_mid_import(
    index_path: Path, path: Path, monkeypatch: pytest.MonkeyPatch, after: int, action: Callable[[], None]
) -> tuple[BaseException | None, tuple[int, int]]:
    caught: BaseException | None = None
    with monkeypatch.context() as patch:
        _trip_collected(patch, after, action)
        try:
            import_exports([path], index_path, batch_messages=100)
        except Exception as error:
            caught = error
    return caught, _counts(index_path)


def _assert_whole_and_partial(counts: tuple[int, int]) -> int:
    conversations, messages = counts
    assert messages == MESSAGES * conversations, counts
    # batch_messages=100: a commit every 10 conversations (11 documents each).
    assert 0 < conversations < CONVERSATIONS and conversations % 10 == 0, counts
    return conversations


def _assert_rerun_completes(index_path: Path, path: Path, kept: int) -> None:
    summary = import_exports([path], index_path)
    assert (summary.conversations_new, summary.conversations_unchanged) == (CONVERSATIONS - kept, kept)
    assert _counts(index_path) == (CONVERSATIONS, CONVERSATIONS * MESSAGES)


def _assert_kept_message(message: str, kept: int) -> None:
    match = _KEPT.search(message)
    assert match is not None, message
    assert int(match.group(1)) == kept, message


def test_a_read_error_mid_file_is_a_clear_error_and_keeps_whole_conversations(
    tmp_path: Path, index_path: Path, export_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk (or network share, or USB stick) fails halfway through the file: read()
    raises EIO."""
    path = tmp_path / "conversations.json"
    path.write_bytes(export_bytes)

    def fail() -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    caught, counts = _break_mid_import(index_path, path, monkeypatch, len(export_bytes) // 2, fail)
    kept = _assert_whole_and_partial(counts)
    _assert_rerun_completes(index_path, path, kept)
    assert caught is not None
    assert isinstance(caught, ChatdexError), f"raw {type(caught).__name__} escaped: {caught}"
    message = str(caught)
    assert str(path) in message and "input/output error" in message.lower(), message
    _assert_kept_message(message, kept)


def test_a_read_error_mid_file_from_the_cli_is_one_error_line(
    tmp_path: Path, index_path: Path, export_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.json"
    path.write_bytes(export_bytes)

    def fail() -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    with monkeypatch.context() as patch:
        _trip_collected(patch, len(export_bytes) // 2, fail)
        result = _invoke("import", path, "--index", index_path, "--batch-messages", "100")
    assert result.exit_code == 1
    line = _assert_one_error_line(result.stderr, str(path), "input/output error")
    _assert_kept_message(line, _assert_whole_and_partial(_counts(index_path)))


def test_a_file_truncated_on_disk_mid_import(
    tmp_path: Path, index_path: Path, export_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is cut short while chatdex reads it (a download restarted over it)."""
    path = tmp_path / "conversations.json"
    path.write_bytes(export_bytes)
    half = len(export_bytes) // 2
    caught, counts = _break_mid_import(
        index_path, path, monkeypatch, half, lambda: os.truncate(path, half + 70_000)
    )
    kept = _assert_whole_and_partial(counts)
    assert path.stat().st_size == half + 70_000
    assert isinstance(caught, ExportFormatError), repr(caught)
    message = str(caught)
    assert message.startswith(
        f"{path}: the JSON ends too early; the file looks truncated (download the export again)"
    ), message
    _assert_kept_message(message, kept)
    path.write_bytes(export_bytes)
    _assert_rerun_completes(index_path, path, kept)


def test_a_zip_truncated_on_disk_mid_import(
    tmp_path: Path, index_path: Path, export_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("conversations.json", export_bytes)
    whole = path.read_bytes()
    caught, counts = _break_mid_import(
        index_path, path, monkeypatch, len(export_bytes) // 3, lambda: os.truncate(path, len(whole) // 2)
    )
    kept = _assert_whole_and_partial(counts)
    assert isinstance(caught, ArchiveError), repr(caught)
    message = str(caught)
    assert message.startswith(f"{path}: corrupt or truncated ZIP ("), message
    _assert_kept_message(message, kept)
    path.write_bytes(whole)
    _assert_rerun_completes(index_path, path, kept)


def test_a_file_deleted_mid_import_is_read_to_its_end(
    tmp_path: Path, index_path: Path, export_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting a file someone has open leaves it readable to them (POSIX): the import
    completes, and the next run of the same command is told the file is gone."""
    if os.name != "posix":
        pytest.skip("an open file cannot be deleted on Windows")
    path = tmp_path / "conversations.json"
    path.write_bytes(export_bytes)
    caught, counts = _break_mid_import(index_path, path, monkeypatch, len(export_bytes) // 2, path.unlink)
    assert caught is None, repr(caught)
    assert not path.exists()
    assert counts == (CONVERSATIONS, CONVERSATIONS * MESSAGES)
    result = _invoke("import", path, "--index", index_path)
    assert (result.exit_code, result.stderr) == (1, f"error: {path}: no such file or directory\n")


# --- (d) a damaged chatdex.json -------------------------------------------------------------

DAMAGED = {
    "truncated": b'{\n  "schema_version": 1,\n  "created_by": "chatdex 0.1.0",\n  "imp',
    "empty": b"",
    "binary": b"\x00\xff\xfe garbage \x89PNG",
    "array": b"[1, 2, 3]",
}


@pytest.mark.parametrize("content", list(DAMAGED.values()), ids=list(DAMAGED))
@pytest.mark.parametrize(
    "command",
    [("stats",), ("search", "sourdough"), ("show", "2023a002"), ("import", "{data}/chatgpt_2024.json")],
    ids=["stats", "search", "show", "import"],
)
def test_a_damaged_chatdex_json_is_named_with_how_to_rebuild(
    seeded: Path, data: Path, content: bytes, command: tuple[str, ...]
) -> None:
    meta = seeded / "chatdex.json"
    original = meta.read_bytes()
    meta.write_bytes(content)
    args = [part.replace("{data}", str(data)) for part in command]
    result = _invoke(*args, "--index", seeded)
    assert (result.exit_code, result.stdout) == (1, "")
    line = _assert_one_error_line(result.stderr, str(meta), "damaged")
    assert "chatdex reindex" in line or "chatdex import" in line, line
    assert meta.read_bytes() == content, "chatdex rewrote the damaged file"
    meta.write_bytes(original)
    _assert_as_before(seeded)


@pytest.mark.parametrize("content", list(DAMAGED.values()), ids=list(DAMAGED))
def test_following_the_advice_for_a_damaged_chatdex_json_works(
    seeded: Path, data: Path, content: bytes
) -> None:
    """The advice must lead somewhere: `chatdex reindex` either rebuilds the index, or says
    what will (deleting the folder and importing again), not "see chatdex reindex" again."""
    (seeded / "chatdex.json").write_bytes(content)
    result = _invoke("reindex", "--index", seeded)
    if result.exit_code == 0:
        assert _counts(seeded) == (2, 9)
        return
    line = _assert_one_error_line(result.stderr, str(seeded))
    assert "reindex" not in line, f"reindex sends the person back to reindex: {line}"
    assert f"delete {seeded}" in line and "chatdex import" in line, line


@pytest.mark.parametrize(
    "content",
    [
        b'{"schema_version": 1, "created_by": "chatdex 0.1.0", "imports": 5}',
        b'{"schema_version": 1, "created_by": "chatdex 0.1.0", "imports": "/exports/conversations.json"}',
        b'{"schema_version": 1, "created_by": "chatdex 0.1.0", "imports": {"a": 1}}',
    ],
    ids=["imports-number", "imports-string", "imports-object"],
)
@pytest.mark.parametrize(
    "command",
    [("stats",), ("search", "sourdough"), ("import", "{data}/chatgpt_2024.json"), ("reindex",)],
    ids=["stats", "search", "import", "reindex"],
)
def test_a_chatdex_json_of_the_wrong_shape_never_gets_a_traceback(
    seeded: Path, data: Path, content: bytes, command: tuple[str, ...]
) -> None:
    """Valid JSON, damaged content (a hand edit, another tool): every command either works
    or names the file in one line. `reindex` must not take a string apart into letters."""
    meta = seeded / "chatdex.json"
    meta.write_bytes(content)
    args = [part.replace("{data}", str(data)) for part in command]
    result = _invoke(*args, "--index", seeded)
    if result.exit_code == 0:
        assert "Traceback" not in result.stderr
        return
    assert result.exit_code == 1
    line = _assert_one_error_line(result.stderr)
    assert str(meta) in line or "/exports/conversations.json" in line, line
