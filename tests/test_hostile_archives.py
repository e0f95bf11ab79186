"""Hostile and broken inputs: ZIPs crafted in memory (traversal names, duplicates, overlaps,
truncation, falsified sizes, bombs, too many entries, encryption, odd compression, symlinks,
nesting) and hostile JSON. Each must end in one chatdex error, on one line from the CLI, and
leave an existing index exactly as it was."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from chatdex import archive
from chatdex.errors import ArchiveError, ChatdexError, ExportFormatError, InputError, UnsupportedInput
from chatdex.importer import import_exports
from chatdex.stats import index_stats

DATA = Path(__file__).parent / "data"
SEED = DATA / "chatgpt_2023.json"
EXPORT = SEED.read_bytes()
SEEDED = (2, 9, [str(SEED.resolve())])  # conversations, messages, imports (tests/data/README.md)
MB = 1 << 20
BOMB_MB = 64  # more than the memory ceiling below, so reading it whole would show
MEMORY_CEILING = 50 * MB


# --- building ZIPs ----------------------------------------------------------------------


def zip_of(*members: tuple[str | zipfile.ZipInfo, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about a duplicate name
        with zipfile.ZipFile(buffer, "w", compression) as zf:
            for name, content in members:
                zf.writestr(name, content)
    return buffer.getvalue()


def central_headers(blob: bytes) -> list[int]:
    """Offsets of the central directory headers (an archive without comment or ZIP64)."""
    _, _, _, _, count, _, offset, _ = struct.unpack("<4s4H2LH", blob[-22:])
    starts = []
    for _ in range(count):
        starts.append(offset)
        name_len, extra_len, comment_len = struct.unpack_from("<3H", blob, offset + 28)
        offset += 46 + name_len + extra_len + comment_len
    return starts


def patched(
    blob: bytes, *, flags: int = 0, size: int | None = None, offsets: dict[int, int] | None = None
) -> bytes:
    """`blob` with `flags` or'ed into member 0's flags and its uncompressed size set to `size`
    (local header and central directory alike), and members' local header offsets replaced."""
    out = bytearray(blob)
    central = central_headers(blob)
    for at in (6, central[0] + 8):
        struct.pack_into("<H", out, at, struct.unpack_from("<H", out, at)[0] | flags)
    if size is not None:
        struct.pack_into("<I", out, 22, size)
        struct.pack_into("<I", out, central[0] + 24, size)
    for member, offset in (offsets or {}).items():
        struct.pack_into("<I", out, central[member] + 42, offset)
    return bytes(out)


@cache
def bomb() -> bytes:
    """BOMB_MB MiB of spaces as conversations.json, deflated to about 1/1000 of that."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("conversations.json", "w") as member,
    ):
        for _ in range(BOMB_MB):
            member.write(b" " * MB)
    return buffer.getvalue()


def half(blob: bytes) -> bytes:
    return blob[: len(blob) // 2]


def corrupt_deflate() -> bytes:
    blob = bytearray(zip_of(("conversations.json", EXPORT)))
    data_start = 30 + len("conversations.json")
    for i in range(data_start + 50, data_start + 58):
        blob[i] ^= 0xFF
    return bytes(blob)


def symlink() -> bytes:
    info = zipfile.ZipInfo("conversations.json")
    info.external_attr = 0o120777 << 16
    return zip_of((info, b"/etc/passwd"))


# --- the cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    id: str
    build: Callable[[], bytes]
    error: type[ChatdexError]
    fragment: str
    stage: str = "collect"  # "collect": refused before the index is opened; "import": while reading
    name: str = "export.zip"


TRAVERSAL = [
    "../conversations.json",
    "/abs/conversations.json",
    "export/../../conversations.json",
    "..\\conversations.json",
    "C:/conversations.json",
]

CASES = [
    *(
        Hostile(
            f"traversal {name}",
            lambda name=name: zip_of(("conversations.json", EXPORT), (name, b"[]")),
            ArchiveError,
            f"unsafe entry name {name!r}; refusing this archive",
        )
        for name in TRAVERSAL
    ),
    Hostile(
        "duplicate names",
        lambda: zip_of(("conversations.json", EXPORT), ("conversations.json", b"[]")),
        ArchiveError,
        "the entry 'conversations.json' appears twice; refusing this archive",
    ),
    Hostile(
        "overlap, same local header",
        lambda: patched(zip_of(("conversations.json", EXPORT), ("other.json", b"{}")), offsets={1: 0}),
        ArchiveError,
        "entries 'other.json' and 'conversations.json' overlap; refusing this archive",
    ),
    Hostile(
        "overlap, header inside data",
        lambda: patched(zip_of(("conversations.json", EXPORT), ("other.json", b"{}")), offsets={1: 60}),
        ArchiveError,
        "entries 'conversations.json' and 'other.json' overlap; refusing this archive",
    ),
    Hostile(
        "truncated to half",
        lambda: half(zip_of(("conversations.json", EXPORT))),
        ArchiveError,
        "corrupt or truncated ZIP (File is not a zip file); download the export again",
    ),
    Hostile(
        "last byte cut",
        lambda: zip_of(("conversations.json", EXPORT))[:-1],
        ArchiveError,
        "corrupt or truncated ZIP (File is not a zip file); download the export again",
    ),
    Hostile(
        "corrupt deflate data", corrupt_deflate, ArchiveError, "corrupt or truncated ZIP", stage="import"
    ),
    Hostile(
        "declared size too small",
        lambda: patched(zip_of(("conversations.json", EXPORT)), size=1000),
        ArchiveError,
        "corrupt or truncated ZIP (Bad CRC-32 for file 'conversations.json')",
        stage="import",
    ),
    Hostile("zip bomb by ratio", bomb, ArchiveError, "times; that is a ZIP bomb, not an export"),
    Hostile(
        "zip bomb declaring 1 KiB",
        lambda: patched(bomb(), size=1024),
        ArchiveError,
        "corrupt or truncated ZIP (Bad CRC-32 for file 'conversations.json')",
        stage="import",
    ),
    Hostile(
        "encrypted",
        lambda: patched(zip_of(("conversations.json", EXPORT)), flags=0x1),
        ArchiveError,
        "conversations.json is encrypted; export again without a password",
    ),
    Hostile(
        "bzip2",
        lambda: zip_of(("conversations.json", EXPORT), compression=zipfile.ZIP_BZIP2),
        ArchiveError,
        "conversations.json uses compression method 12, which chatdex does not read",
    ),
    Hostile(
        "lzma",
        lambda: zip_of(("conversations.json", EXPORT), compression=zipfile.ZIP_LZMA),
        ArchiveError,
        "conversations.json uses compression method 14, which chatdex does not read",
    ),
    Hostile("symlink", symlink, ArchiveError, "conversations.json is a symbolic link; refusing it"),
    Hostile(
        "nested zip",
        lambda: zip_of(("chatgpt-export.zip", zip_of(("conversations.json", EXPORT)))),
        UnsupportedInput,
        "; it holds another ZIP, chatgpt-export.zip: import that one)",
    ),
    Hostile(
        "no conversations",
        lambda: zip_of(("user.json", b'{"id": "user-1"}'), ("notes.txt", b"hi")),
        UnsupportedInput,
        "no export found in this ZIP",
    ),
    Hostile("empty file", lambda: b"", InputError, "is empty", name="conversations.json"),
    Hostile(
        "100 000 '[' in a ZIP",
        lambda: zip_of(("conversations.json", b"[" * 100_000)),
        ExportFormatError,
        "JSON nested more than 512 levels deep",
        stage="import",
    ),
    Hostile(
        "100 000 '{\"a\":'",
        lambda: b'{"a":' * 100_000,
        ExportFormatError,
        # A file that is one object may be one deeply nested conversation (LibreChat).
        "JSON nested more than 20,000 levels deep",
        stage="import",
        name="conversations.json",
    ),
    Hostile(
        "invalid UTF-8",
        lambda: EXPORT.replace(b"Sourdough", b"Sourd\xffugh", 1),
        ExportFormatError,
        "UTF",
        stage="import",
        name="conversations.json",
    ),
    Hostile(
        "bare number",
        lambda: b"42\n",
        ExportFormatError,
        "not JSON (it starts with '4')",
        stage="import",
        name="conversations.json",
    ),
    Hostile(
        "wrong shape",
        lambda: b'{"hello": "world"}',
        ExportFormatError,
        "not an export chatdex recognises (found an object with keys hello); it reads ChatGPT, Claude, "
        "Gemini, DeepSeek, Grok, Open WebUI, LibreChat and SillyTavern exports",
        stage="import",
        name="conversations.json",
    ),
    Hostile(
        "truncated JSON",
        lambda: EXPORT[: len(EXPORT) // 2],
        ExportFormatError,
        "the JSON ends too early; the file looks truncated",
        stage="import",
        name="conversations.json",
    ),
]


def state(index: Path) -> tuple[int, int, list[str]]:
    stats = index_stats(index)
    return stats["conversations"], stats["messages"], stats["imports"]


@pytest.fixture
def seeded(index_path: Path) -> Path:
    """An index that already holds chatgpt_2023.json."""
    summary = import_exports([SEED], index_path)
    assert (summary.conversations_new, summary.messages_indexed) == (2, 9)
    assert state(index_path) == SEEDED
    return index_path


def written(tmp_path: Path, case: Hostile) -> Path:
    path = tmp_path / case.name
    path.write_bytes(case.build())
    return path


def refused(path: Path, index: Path) -> ChatdexError:
    with pytest.raises(ChatdexError) as info:
        import_exports([path], index)
    return info.value


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_refused_by_the_python_api(case: Hostile, tmp_path: Path, seeded: Path) -> None:
    path = written(tmp_path, case)
    if case.stage == "collect":
        with pytest.raises(ChatdexError) as info:
            archive.collect([path])
        assert type(info.value) is case.error
        assert case.fragment in str(info.value)
        # Refused before any index is opened: a new one is not even created.
        fresh = tmp_path / "fresh-index"
        assert str(refused(path, fresh)) == str(info.value)
        assert not fresh.exists()
    else:
        assert len(archive.collect([path]).files) == 1
    error = refused(path, seeded)
    assert type(error) is case.error
    assert case.fragment in str(error)
    assert str(error).startswith(str(path))
    assert state(seeded) == SEEDED


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_refused_by_the_cli(case: Hostile, tmp_path: Path, seeded: Path, cli: Callable[..., Any]) -> None:
    path = written(tmp_path, case)
    result = cli("import", path, "--index", seeded)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}")
    assert case.fragment in lines[0]
    assert "Traceback" not in result.stderr
    assert state(seeded) == SEEDED


# --- bombs and deep nesting: refused fast, in little memory --------------------------------


def measured(run: Callable[[], object]) -> tuple[BaseException, float, int]:
    """The error `run` raises, the seconds it took and the peak of Python memory meanwhile."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ChatdexError) as info:
            run()
        return info.value, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_ratio_bomb_is_refused_from_the_directory_without_opening_it(
    tmp_path: Path, index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("conversations.json")
    assert info.file_size == BOMB_MB * MB and info.file_size > 200 * info.compress_size

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member of the bomb was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    error, seconds, peak = measured(lambda: import_exports([path], index_path))
    assert type(error) is ArchiveError
    assert str(error) == (
        f"{path}:conversations.json expands {info.file_size // info.compress_size:,} times; "
        "that is a ZIP bomb, not an export"
    )
    assert seconds < 2
    assert peak < MEMORY_CEILING
    assert not index_path.exists()


def test_bomb_declaring_a_small_size_is_cut_off_at_that_size(tmp_path: Path, seeded: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(patched(bomb(), size=1024))
    error, seconds, peak = measured(lambda: import_exports([path], seeded))
    assert type(error) is ArchiveError
    assert "Bad CRC-32 for file 'conversations.json'" in str(error)
    assert seconds < 5
    assert peak < MEMORY_CEILING
    assert state(seeded) == SEEDED


@pytest.mark.parametrize(
    ("opener", "limit"), [(b"[", "512"), (b'{"a":', "20,000")], ids=["arrays", "objects"]
)
def test_deep_nesting_is_refused_in_little_memory(
    opener: bytes, limit: str, tmp_path: Path, seeded: Path
) -> None:
    # A file that is one object is built without ijson's per-level prefixes, so it may nest
    # deeper (one LibreChat conversation) in memory that stays linear.
    path = tmp_path / "export.zip"
    path.write_bytes(zip_of(("conversations.json", opener * 100_000)))
    error, seconds, peak = measured(lambda: import_exports([path], seeded))
    assert type(error) is ExportFormatError
    assert str(error).startswith(
        f"{path}:conversations.json: JSON nested more than {limit} levels deep near byte "
    )
    assert seconds < 5
    assert peak < MEMORY_CEILING
    assert state(seeded) == SEEDED


# --- caps on entries and sizes --------------------------------------------------------------


def members(count: int) -> bytes:
    """conversations.json and count - 1 tiny other entries."""
    return zip_of(("conversations.json", EXPORT), *((f"f{i}.txt", b"") for i in range(count - 1)))


def test_more_entries_than_the_cap_are_refused(
    tmp_path: Path, seeded: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Any]
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 5)
    path = tmp_path / "export.zip"
    path.write_bytes(members(6))
    expected = f"{path}: 6 entries is more than the 5 an export can have"
    with pytest.raises(ArchiveError) as info:
        archive.collect([path])
    assert str(info.value) == expected
    with pytest.raises(ArchiveError) as info:
        import_exports([path], seeded)
    assert str(info.value) == expected
    result = cli("import", path, "--index", seeded)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"error: {expected}\n")
    assert state(seeded) == SEEDED


def test_entries_up_to_the_cap_are_imported(
    tmp_path: Path, index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 5)
    path = tmp_path / "export.zip"
    path.write_bytes(members(5))
    summary = import_exports([path], index_path)
    assert (summary.files, summary.conversations_new, summary.messages_indexed) == (1, 2, 9)


def test_a_real_archive_of_100_001_entries_is_refused(
    tmp_path: Path, seeded: Path, cli: Callable[..., Any]
) -> None:
    assert archive.MAX_MEMBERS == 100_000
    path = tmp_path / "export.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("conversations.json", EXPORT)
        for i in range(100_000):
            zf.writestr(f"f{i}", b"")
    path.write_bytes(buffer.getvalue())
    expected = f"{path}: 100,001 entries is more than the 100,000 an export can have"
    with pytest.raises(ArchiveError) as info:
        archive.collect([path])
    assert str(info.value) == expected
    result = cli("import", path, "--index", seeded)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"error: {expected}\n")
    assert state(seeded) == SEEDED


def test_member_declaring_more_than_the_size_cap_is_refused(
    tmp_path: Path, seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_SIZE", len(EXPORT) - 1)
    path = tmp_path / "export.zip"
    path.write_bytes(zip_of(("conversations.json", EXPORT)))
    with pytest.raises(ArchiveError) as info:
        import_exports([path], seeded)
    assert str(info.value) == (
        f"{path}:conversations.json declares {len(EXPORT):,} bytes, more than chatdex reads from one entry"
    )
    assert state(seeded) == SEEDED


# --- messages and honest edge cases ----------------------------------------------------------


def test_zip_without_export_or_inner_zip_gives_no_hint(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(zip_of(("notes.txt", b"hi")))
    with pytest.raises(UnsupportedInput) as info:
        archive.collect([path])
    assert str(info.value) == (
        f"{path}: no export found in this ZIP (looked for conversations.json, conversations-NNN.json, "
        "chat.html, projects.json, prod-grok-backend.json, Gemini's MyActivity.json or .html, "
        ".jsonl chat files, and the files of the ChatGPT Exporter extension, Open WebUI and Chatbot UI)"
    )


def test_invalid_utf8_message_is_readable(tmp_path: Path, index_path: Path) -> None:
    path = tmp_path / "conversations.json"
    path.write_bytes(EXPORT.replace(b"Sourdough", b"Sourd\xffugh", 1))
    message = str(refused(path, index_path))
    assert "UTF" in message.upper()
    # A sentence for the person at the terminal, not the parser's byte dump of the file.
    assert "(right here)" not in message
    assert "\\x" not in message
    assert "b'" not in message


def test_empty_array_imports_nothing(tmp_path: Path, seeded: Path, cli: Callable[..., Any]) -> None:
    path = tmp_path / "conversations.json"
    path.write_bytes(b"[]")
    summary = import_exports([path], seeded)
    assert (
        summary.files,
        summary.bytes,
        summary.conversations_seen,
        summary.conversations_skipped,
        summary.messages_indexed,
        summary.warnings,
    ) == (1, 2, 0, 0, 0, [])
    result = cli("import", path, "--index", seeded)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "0 new" in result.stdout
    assert state(seeded)[:2] == SEEDED[:2]


def test_utf8_bom_before_the_json_is_accepted(tmp_path: Path, index_path: Path) -> None:
    # exports skips a BOM, so a file saved by Notepad is meant to import.
    path = tmp_path / "conversations.json"
    path.write_bytes(b"\xef\xbb\xbf" + EXPORT)
    summary = import_exports([path], index_path)
    assert (summary.conversations_new, summary.messages_indexed) == (2, 9)


def test_legacy_encoded_member_name_is_not_taken_for_an_overlap(tmp_path: Path, index_path: Path) -> None:
    # Without the UTF-8 flag a name is CP437: 'Résumé.pdf' is 10 bytes in the header, 12 in UTF-8.
    blob = zip_of(("RXsumX.pdf", b"%PDF-1.4"), ("conversations.json", EXPORT), compression=zipfile.ZIP_STORED)
    assert blob.count(b"RXsumX.pdf") == 2
    path = tmp_path / "export.zip"
    path.write_bytes(blob.replace(b"RXsumX.pdf", b"R\x82sum\x82.pdf"))
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["Résumé.pdf", "conversations.json"]
        assert zf.testzip() is None
    summary = import_exports([path], index_path)
    assert (summary.conversations_new, summary.messages_indexed) == (2, 9)
