"""A tiny run of the benchmark runner, so that CI notices when it breaks. The real numbers
come from `python benchmarks/run.py` (benchmarks/RESULTS.md), never from timed tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_a_tiny_benchmark_run_produces_every_table(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "--messages",
            "400",
            "--runs",
            "1",
            "--repeat",
            "2",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = out.read_text()
    for heading in (
        "## Import",
        "## Queries at 4",
        "## Query latency as the archive grows",
        "## Whole `chatdex search` process",
    ):
        assert heading in table
    lines = table.splitlines()
    import_row = lines[lines.index("## Import") + 4]
    assert import_row.startswith("| 4") and import_row.count("|") == 16, import_row
    growth_row = lines[lines.index("## Query latency as the archive grows (chatdex p50, ms)") + 4]
    assert growth_row.startswith("| 4") and growth_row.count("|") == 10, growth_row
    process_row = lines[-1]
    assert process_row.startswith("| 4") and process_row.count("|") == 6 and "–" not in process_row, (
        process_row
    )
    assert "error" not in table
    for query_class in (
        "common word",
        "rare word",
        "two-word AND",
        "phrase",
        "CJK word",
        "prefix",
        "date range",
        "sorted by date",
    ):
        assert f"| {query_class} |" in table
