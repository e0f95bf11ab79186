"""chatdex against its baselines, on a generated archive or your own export.

    python benchmarks/run.py --messages 10000 100000 1000000 --runs 3 --out benchmarks/RESULTS.md
    python benchmarks/run.py --archive ~/Downloads/chatgpt-export.zip --out my-results.md

Every measurement that builds something runs in a fresh subprocess (`run.py step ...`), so
its peak memory is its own and no cache of an earlier step helps it. Machines like the ones
this project runs on are noisy: every figure is a median over --runs runs, and the table gives
ratios against the baselines measured in the same run, which travel better than seconds.

Steps, per archive:
- parse floor: stream the export with ijson (C backend) and walk every message, no indexing;
  and orjson over the whole conversations.json where it fits in memory (it needs ~12x);
- tantivy alone: the same kind of documents (same schema) added by a minimal script;
- chatdex import, then the same import again (nothing changed);
- SQLite FTS5 (stdlib sqlite3): a full-text table over the same messages;
- queries, warm and in-process, per class: chatdex's own path (parse, filters, search, 10 hits
  with snippets, grouping), bare tantivy, FTS5 (MATCH, bm25, snippet()), and a scan of the
  export (ripgrep when installed, else Python);
- the whole `chatdex search` process, start to printed output."""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

HERE = Path(__file__).resolve().parent
SEED = 1


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("chatdex_bench_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


# The query classes of the issue. Each: chatdex query and options, bare tantivy builder key,
# FTS5 MATCH expression (None where FTS5 cannot express it), and the scan needle.
def query_classes(markers: dict[str, str]) -> list[dict[str, Any]]:
    phrase = markers["phrase"]
    first, second = phrase.split()
    return [
        {"name": "common word", "q": markers["common_word"], "fts": markers["common_word"], "scan": " the "},
        {
            "name": "rare word",
            "q": markers["rare_word"],
            "fts": markers["rare_word"],
            "scan": markers["rare_word"],
        },
        {"name": "two-word AND", "q": f"{first} {second}", "fts": f"{first} {second}", "scan": first},
        {"name": "phrase", "q": f'"{phrase}"', "fts": f'"{phrase}"', "scan": phrase},
        {"name": "CJK word", "q": markers["cjk_word"], "fts": None, "scan": markers["cjk_word"]},
        {
            "name": "prefix",
            "q": f"{markers['prefix']}*",
            "fts": f"{markers['prefix']}*",
            "scan": markers["prefix"],
        },
        {
            "name": "date range",
            "q": f"{second} after:2024-01 before:2024-06",
            "fts": second,
            "scan": second,
            "since": "2024-01-01",
            "until": "2024-07-01",
        },
        {"name": "sorted by date", "q": second, "fts": second, "scan": second, "sort": "newest"},
    ]


# --------------------------------------------------------------------------------------------
# What a step measures. Each returns a dict; `step` adds seconds and peak memory.


def _members(archive: Path) -> Iterator[Any]:
    """The conversations.json (or shards) of an export as byte streams."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            names = sorted(n for n in zipped.namelist() if n.rsplit("/", 1)[-1].startswith("conversations"))
            for name in names:
                if name.endswith(".json"):
                    with zipped.open(name) as member:
                        yield member
    else:
        with archive.open("rb") as handle:
            yield handle


def _conversations(archive: Path) -> Iterator[dict[str, Any]]:
    for member in _members(archive):
        yield from ijson.items(member, "item", use_float=True)


def _texts(conversation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Every message with text: (node id, message, text). What a minimal script would do."""
    for node_id, node in (conversation.get("mapping") or {}).items():
        message = node.get("message") if isinstance(node, dict) else None
        if not isinstance(message, dict):
            continue
        content = message.get("content") or {}
        parts = content.get("parts")
        if isinstance(parts, list):
            text = "\n".join(
                p if isinstance(p, str) else p.get("text", "") for p in parts if isinstance(p, str | dict)
            )
        else:
            text = "\n".join(str(v) for k, v in content.items() if k != "content_type" and isinstance(v, str))
        if text.strip():
            yield node_id, message, text


def measure_parse_floor(archive: Path) -> dict[str, Any]:
    messages = sum(1 for conversation in _conversations(archive) for _ in _texts(conversation))
    return {"messages": messages}


def measure_orjson_floor(archive: Path) -> dict[str, Any]:
    import orjson

    messages = 0
    for member in _members(archive):
        for conversation in orjson.loads(member.read()):
            messages += sum(1 for _ in _texts(conversation))
    return {"messages": messages}


def measure_tantivy_alone(archive: Path, index: Path) -> dict[str, Any]:
    import tantivy

    from chatdex.schema import load

    schema = load()
    shutil.rmtree(index, ignore_errors=True)
    index.mkdir(parents=True)
    engine = tantivy.Index(schema.schema, path=str(index))
    schema.register(engine)
    writer = engine.writer(heap_size=256_000_000)
    messages = 0
    for conversation in _conversations(archive):
        cid = str(conversation.get("conversation_id") or conversation.get("id"))
        title = conversation.get("title") or ""
        for position, (node_id, message, text) in enumerate(_texts(conversation)):
            fields: dict[str, Any] = {
                "kind": "message",
                "conv_key": f"chatgpt:{cid}",
                "conv_ord": hash(cid) & (2**63 - 1),
                "source": "chatgpt",
                "conversation_id": cid,
                "url": f"https://chatgpt.com/c/{cid}",
                "title": title,
                "message_id": node_id,
                "role": str((message.get("author") or {}).get("role")),
                "content_type": str((message.get("content") or {}).get("content_type")),
                "visibility": "seen",
                "on_current_branch": True,
                "position": position,
                "text": text,
            }
            stamp = message.get("create_time") or conversation.get("create_time")
            if isinstance(stamp, float | int):
                fields["date"] = datetime.fromtimestamp(stamp, UTC)
                fields["year"] = fields["date"].year
                fields["own_date"] = True
            writer.add_document(tantivy.Document.from_dict(fields, schema.schema))
            messages += 1
    writer.commit()
    writer.wait_merging_threads()
    return {"messages": messages}


def measure_import(archive: Path, index: Path, fresh: bool) -> dict[str, Any]:
    from chatdex.importer import import_exports

    if fresh:
        shutil.rmtree(index, ignore_errors=True)
    summary = import_exports([archive], index)
    size = sum(p.stat().st_size for p in index.iterdir() if p.is_file())
    return {
        "messages": summary.messages_indexed,
        "unchanged": summary.conversations_unchanged,
        "index_bytes": size,
    }


def measure_fts5(archive: Path, database: Path) -> dict[str, Any]:
    database.unlink(missing_ok=True)
    connection = sqlite3.connect(database)
    connection.execute(
        "CREATE VIRTUAL TABLE messages USING fts5(title, text, date UNINDEXED, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    messages = 0
    with connection:
        for conversation in _conversations(archive):
            title = conversation.get("title") or ""
            rows = [
                (title, text, message.get("create_time") or conversation.get("create_time") or 0)
                for _, message, text in _texts(conversation)
            ]
            connection.executemany("INSERT INTO messages VALUES (?, ?, ?)", rows)
            messages += len(rows)
    connection.close()
    return {"messages": messages, "db_bytes": database.stat().st_size}


def _timings(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    run()  # warm: the first run pays for page cache and lazy setup
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return _summary(samples)


def _summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, int(len(samples) * 0.95))],
    }


def measure_queries(
    archive: Path, index: Path, database: Path, repeat: int, markers: dict[str, str]
) -> dict[str, Any]:
    import tantivy

    from chatdex.query import Filters, compile_query
    from chatdex.search import SearchOptions, search
    from chatdex.store import open_for_read

    store = open_for_read(index)
    engine, schema = store.index, store.schema.schema
    searcher = engine.searcher()
    connection = sqlite3.connect(database)
    results: dict[str, Any] = {}
    for spec in query_classes(markers):
        options = SearchOptions(spec["q"], Filters(), sort=spec.get("sort", "relevance"))

        def chatdex_path(options: SearchOptions = options) -> int:
            return len(search(store, options))

        def bare(spec: dict[str, Any] = spec) -> int:
            words = spec["q"].split(" after:")[0]
            if spec["name"] == "CJK word":
                query = tantivy.Query.phrase_query(schema, "text", list(words))
            elif spec["name"] == "prefix":
                query = tantivy.Query.fuzzy_term_query(
                    schema, "text", words.rstrip("*"), distance=0, prefix=True
                )
            else:
                query = engine.parse_query(words, ["text"], conjunction_by_default=True)
            if "since" in spec:
                dates = tantivy.Query.range_query(
                    schema,
                    "date",
                    tantivy.FieldType.Date,
                    datetime.fromisoformat(spec["since"]).replace(tzinfo=UTC),
                    datetime.fromisoformat(spec["until"]).replace(tzinfo=UTC),
                    include_upper=False,
                )
                query = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, query), (tantivy.Occur.Must, dates)]
                )
            if spec.get("sort"):
                hits = searcher.search(query, 10, order_by_field="date", order=tantivy.Order.Desc).hits
            else:
                hits = searcher.search(query, 10).hits
            return len([searcher.doc(address) for _, address in hits])

        compiled = compile_query(options.query, options.filters, store.schema).query

        def same_query(spec: dict[str, Any] = spec, compiled: Any = compiled) -> int:
            """Bare tantivy running the query chatdex compiles (title and text, CJK and
            identifier spellings, date filters): what chatdex adds beyond the search itself."""
            if spec.get("sort"):
                hits = searcher.search(compiled, 10, order_by_field="date", order=tantivy.Order.Desc).hits
            else:
                hits = searcher.search(compiled, 10).hits
            return len([searcher.doc(address) for _, address in hits])

        def fts(spec: dict[str, Any] = spec) -> int:
            where = "messages MATCH ?"
            params: list[Any] = [spec["fts"]]
            if "since" in spec:
                where += " AND date >= ? AND date < ?"
                params += [
                    datetime.fromisoformat(s).replace(tzinfo=UTC).timestamp()
                    for s in (spec["since"], spec["until"])
                ]
            order = "date DESC" if spec.get("sort") else "bm25(messages)"
            sql = f"SELECT title, snippet(messages, 1, '[', ']', '…', 16) FROM messages WHERE {where} ORDER BY {order} LIMIT 10"
            return len(connection.execute(sql, params).fetchall())

        row: dict[str, Any] = {
            "hits": chatdex_path(),
            "chatdex": _timings(chatdex_path, repeat),
            "tantivy": _timings(bare, repeat),
            "tantivy_same": _timings(same_query, repeat),
        }
        row["fts5"] = _timings(fts, repeat) if spec["fts"] is not None else None
        row["fts5_hits"] = fts() if spec["fts"] is not None else None
        row["scan"] = {"p50": _scan_ms(archive, spec["scan"]), "p95": None}
        results[spec["name"]] = row
    connection.close()
    return {"queries": results}


def _scan_ms(archive: Path, needle: str) -> float:
    """One pass over the export looking for the needle, as grep would, no index."""
    plain = archive.with_suffix(".json")
    rg = shutil.which("rg")
    started = time.perf_counter()
    if rg and plain.exists():
        subprocess.run([rg, "-c", "-F", needle, str(plain)], capture_output=True, check=False)
    else:
        encoded, count = needle.encode(), 0
        for member in _members(archive):
            tail = b""
            while chunk := member.read(1 << 22):
                count += (tail + chunk).count(encoded)
                tail = chunk[-len(encoded) + 1 :] if len(encoded) > 1 else b""
    return (time.perf_counter() - started) * 1000


def measure_process(index: Path, query: str, repeat: int) -> dict[str, Any]:
    """The `chatdex` command as a person runs it. pip compiles an installed package to
    bytecode; an editable checkout (or PYTHONDONTWRITEBYTECODE) would compile every module
    from source on each start instead, ~60 ms that no installed copy pays. So the package is
    compiled first and the variable dropped."""
    import chatdex

    compileall.compile_dir(str(Path(chatdex.__file__).parent), quiet=1)
    script = Path(sys.executable).with_name("chatdex")
    start = [str(script)] if script.is_file() else [sys.executable, "-m", "chatdex.cli"]
    commands = {
        "process": [*start, "search", query, "--index", str(index)],
        # The floor: a Python that imports what `chatdex search` cannot do without. Timed in
        # turn with it, so that the difference holds while this machine's speed drifts (the
        # same command took 98 ms in one run and 155 ms an hour later).
        "floor": [sys.executable, "-c", "import typer, tantivy, orjson"],
    }
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(repeat + 1):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=env)
            if round_number:  # the first round warms the page cache
                samples[name].append((time.perf_counter() - started) * 1000)
    return {name: _summary(values) for name, values in samples.items()}


def measure_queries_step(archive: Path, index: Path, database: Path, repeat: Path) -> dict[str, Any]:
    return measure_queries(archive, index, database, int(str(repeat)), _generator().MARKERS)


def measure_process_step(index: Path, repeat: Path) -> dict[str, Any]:
    return measure_process(index, _generator().MARKERS["uncommon_word"], int(str(repeat)))


def write_huge_conversation(path: Path, messages: int) -> None:
    """One conversation of `messages` messages in a single chain, written as it is generated."""
    import orjson

    with path.open("wb") as out:
        out.write(
            b'[{"id": "huge-0001", "title": "One very long conversation", "create_time": 1700000000, '
            b'"current_node": "m%d", "mapping": {' % (messages - 1)
        )
        for number in range(messages):
            node = {
                "id": f"m{number}",
                "parent": f"m{number - 1}" if number else None,
                "children": [f"m{number + 1}"],
                "message": {
                    "id": f"m{number}",
                    "author": {"role": "user" if number % 2 == 0 else "assistant"},
                    "create_time": 1700000000 + number,
                    "content": {
                        "content_type": "text",
                        "parts": [f"turn {number} " + "lorem ipsum dolor " * 20],
                    },
                },
            }
            out.write((b"," if number else b"") + orjson.dumps(f"m{number}") + b":" + orjson.dumps(node))
        out.write(b"}}]")


def measure_huge_conversation(messages: Path, work: Path) -> dict[str, Any]:
    export = work / "huge-conversation.json"
    write_huge_conversation(export, int(str(messages)))
    return _in_subprocess("import", export, work / "huge-index")


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "queries": measure_queries_step,
    "process": measure_process_step,
    "parse_floor": measure_parse_floor,
    "orjson_floor": measure_orjson_floor,
    "tantivy_alone": measure_tantivy_alone,
    "import": lambda archive, index: measure_import(archive, index, fresh=True),
    "reimport": lambda archive, index: measure_import(archive, index, fresh=False),
    "fts5": measure_fts5,
}


def step(name: str, args: list[str]) -> None:
    """Run one measurement in this (fresh) process and print its result as JSON."""
    started = time.perf_counter()
    result = STEPS[name](*[Path(a) for a in args])
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _in_subprocess(name: str, *args: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "step", name, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    failed = [run for run in runs if "error" in run]
    if failed:
        return failed[0]
    merged = dict(runs[0])
    for key in ("seconds", "peak_rss_mb"):
        merged[key] = statistics.median(run[key] for run in runs)
    merged["runs"] = len(runs)
    return merged


# --------------------------------------------------------------------------------------------
# The driver


def _plain_copy(archive: Path) -> Path:
    """The export's conversations.json beside it, for grep-like scans (ripgrep reads no ZIP)."""
    plain = archive.with_suffix(".json")
    if not plain.exists() and zipfile.is_zipfile(archive):
        with (
            zipfile.ZipFile(archive) as zipped,
            zipped.open("conversations.json") as member,
            plain.open("wb") as out,
        ):
            shutil.copyfileobj(member, out, 1 << 22)
    return plain


def bench_archive(archive: Path, work: Path, runs: int, repeat: int) -> dict[str, Any]:
    index, baseline, database = work / "index", work / "tantivy-alone", work / "fts5.sqlite"
    size = archive.stat().st_size
    json_bytes = (
        sum(i.file_size for i in zipfile.ZipFile(archive).infolist()) if zipfile.is_zipfile(archive) else size
    )
    result: dict[str, Any] = {"archive": str(archive), "archive_bytes": size, "json_bytes": json_bytes}
    plan: list[tuple[str, tuple[Path, ...]]] = [
        ("parse_floor", (archive,)),
        ("tantivy_alone", (archive, baseline)),
        ("import", (archive, index)),
        ("reimport", (archive, index)),
        ("fts5", (archive, database)),
    ]
    if json_bytes < 1_500_000_000:  # orjson wants ~12x the file in memory
        plan.insert(1, ("orjson_floor", (archive,)))
    # Rounds of every step, not every run of one step in a row: this machine's speed drifts
    # over minutes, and a ratio should compare steps measured side by side. Each re-import
    # follows its round's fresh import.
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in plan}
    for _ in range(runs):
        for name, args in plan:
            samples[name].append(_in_subprocess(name, *args))
            print(f"  {name}: {samples[name][-1]}", file=sys.stderr)
    for name, _ in plan:
        result[name] = _median_of(samples[name])
    shutil.rmtree(baseline, ignore_errors=True)
    _plain_copy(archive)
    result.update(_in_subprocess("queries", archive, index, database, Path(str(repeat))))
    result.update(_in_subprocess("process", index, Path(str(max(5, repeat // 2)))))
    return result


def _rate(result: dict[str, Any], name: str) -> float:
    step_result = result.get(name, {})
    return step_result.get("messages", 0) / step_result["seconds"] if step_result.get("seconds") else 0.0


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.2f}" if value < 10 else f"{value:,.0f}"


def render(results: list[dict[str, Any]], command: str) -> str:
    import tantivy

    import chatdex

    lines = [
        "# chatdex benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.platform()}, {_cpus()} cores, Python "
        f"{platform.python_version()}, tantivy-py {tantivy.__version__}, chatdex {chatdex.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, scan with {'ripgrep' if shutil.which('rg') else 'Python'}.",
        "",
        f"Command: `{command}`",
        "",
        "Times are medians of the runs; ratios compare with baselines measured in the same run.",
        "",
        "## Import",
        "",
        "| messages | export MB | import s | chatdex msgs/s | export MB/s | tantivy alone msgs/s | ratio (target ≥ 0.8) "
        "| FTS5 msgs/s | peak MB | re-import s | parse floor s (ijson) | orjson s | re-import ÷ orjson (target ≤ 3) "
        "| index MB | bytes/message |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        imported = result["import"]
        messages = imported.get("messages", 0) or 1
        reimport = result["reimport"].get("seconds", 0)
        orjson_s = result.get("orjson_floor", {}).get("seconds")
        lines.append(
            f"| {messages:,} | {result['json_bytes'] / 1e6:,.0f} | {imported.get('seconds', 0):,.1f} "
            f"| {_rate(result, 'import'):,.0f} | {result['json_bytes'] / 1e6 / (imported.get('seconds') or 1):,.1f} "
            f"| {_rate(result, 'tantivy_alone'):,.0f} | {_rate(result, 'import') / max(_rate(result, 'tantivy_alone'), 1):.2f} "
            f"| {_rate(result, 'fts5'):,.0f} | {imported.get('peak_rss_mb', 0):,.0f} | {reimport:,.1f} "
            f"| {result['parse_floor'].get('seconds', 0):,.1f} | {_ms(orjson_s) if orjson_s else '–'} "
            f"| {(f'{reimport / orjson_s:.2f}' if orjson_s else '–')} | {imported.get('index_bytes', 0) / 1e6:,.0f} "
            f"| {imported.get('index_bytes', 0) / messages:,.0f} |"
        )
    largest = results[-1]
    lines += [
        "",
        f"## Queries at {largest['import'].get('messages', 0):,} messages (warm, in-process, ms)",
        "",
        "chatdex: `search()` as `chatdex search --json` calls it: parse, filters, search, grouping by "
        "conversation, matches per conversation, 10 hits with snippets (the terminal output also reads the "
        "turn before each hit; the process table below includes it). Bare tantivy: tantivy's own query "
        "parser over the text field, top 10 with their stored documents. Same query: bare tantivy running "
        "the query chatdex compiles (title and text, CJK and identifier spellings, date filters), top 10 "
        "with their documents. FTS5: MATCH, bm25 order (or date), snippet(). Scan: one pass over the export.",
        "",
        "| class | hits | chatdex p50 | p95 | tantivy p50 | chatdex ÷ tantivy (target ≤ 1.5) "
        "| same query p50 | chatdex ÷ same query | FTS5 p50 | FTS5 ÷ chatdex | scan | scan ÷ chatdex (target ≥ 100) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in largest.get("queries", {}).items():
        ours, bare, fts, scan = row["chatdex"]["p50"], row["tantivy"]["p50"], row["fts5"], row["scan"]["p50"]
        same = row.get("tantivy_same", {}).get("p50")
        lines.append(
            f"| {name} | {row['hits']} | {_ms(ours)} | {_ms(row['chatdex']['p95'])} | {_ms(bare)} | {ours / bare:.2f} "
            f"| {_ms(same)} | {_ratio(ours, same or 0)} "
            f"| {_ms(fts['p50']) if fts else 'cannot (unicode61)'} | {_ratio(fts['p50'] if fts else None, ours)} "
            f"| {_ms(scan)} | {scan / ours:,.0f} |"
        )
    classes = list(largest.get("queries", {}))
    lines += [
        "",
        "## Query latency as the archive grows (chatdex p50, ms)",
        "",
        "| messages | " + " | ".join(classes) + " |",
        "|---|" + "---|" * len(classes),
    ]
    for result in results:
        queries = result.get("queries", {})
        cells = [_ms(queries[name]["chatdex"]["p50"]) if name in queries else "–" for name in classes]
        lines.append(f"| {result['import'].get('messages', 0):,} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Whole `chatdex search` process, start to printed output (ms)",
        "",
        'The floor is `python -c "import typer, tantivy, orjson"`, timed in turn with `chatdex search`.',
        "",
        "| messages | p50 (target ≤ 150 at 1M) | p95 | floor p50 | chatdex − floor |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        process, floor = result.get("process", {}), result.get("floor", {})
        extra = process["p50"] - floor["p50"] if process.get("p50") and floor.get("p50") else None
        lines.append(
            f"| {result['import'].get('messages', 0):,} | {_ms(process.get('p50'))} | {_ms(process.get('p95'))} "
            f"| {_ms(floor.get('p50'))} | {_ms(extra)} |"
        )
    return "\n".join(lines) + "\n"


def _ratio(numerator: float | None, denominator: float) -> str:
    return f"{numerator / denominator:.1f}" if numerator is not None and denominator else "–"


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["step"]:
        step(argv[1], argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, nargs="*", default=[10_000], help="generated archive sizes")
    parser.add_argument("--archive", type=Path, help="benchmark this export instead of generated ones")
    parser.add_argument("--runs", type=int, default=3, help="runs of each build step (median reported)")
    parser.add_argument("--repeat", type=int, default=30, help="timed repetitions of each query")
    parser.add_argument("--work", type=Path, default=Path("/tmp/chatdex-bench"), help="scratch folder")
    parser.add_argument("--out", type=Path, help="write the Markdown table here (else print it)")
    parser.add_argument(
        "--huge-conversation",
        type=int,
        metavar="N",
        help="only import one conversation of N messages, and report",
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.huge_conversation:
        print(json.dumps(measure_huge_conversation(Path(str(args.huge_conversation)), args.work)))
        return 0
    results = []
    archives: list[Path] = []
    if args.archive:
        archives.append(args.archive)
    else:
        generate = _generator().generate
        for messages in args.messages:
            archive = args.work / f"export-{messages}-seed{SEED}.zip"
            if not archive.exists():
                print(f"generating {archive}", file=sys.stderr)
                generate(archive, messages, seed=SEED)
            archives.append(archive)
    for archive in archives:
        print(f"benchmarking {archive}", file=sys.stderr)
        work = args.work / archive.stem
        work.mkdir(exist_ok=True)
        runs = args.runs if archive.stat().st_size < 500_000_000 else 1
        results.append(bench_archive(archive, work, runs, args.repeat))
        (args.work / "results.json").write_text(json.dumps(results, indent=1))
    table = render(results, "python benchmarks/run.py " + " ".join(argv))
    if args.out:
        args.out.write_text(table)
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
