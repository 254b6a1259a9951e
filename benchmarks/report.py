"""Print the Markdown tables of saved benchmark results (for docs/benchmarks.md).

    .venv/bin/python benchmarks/report.py                      # sqlite.json and postgres.json
    .venv/bin/python benchmarks/report.py benchmarks/results/sqlite-quick.json

Reads the JSON files ``benchmarks/run.py`` writes; no database needed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run import RESULTS_DIR, Result, markdown_table


def render(path: Path) -> str:
    """One results file as a heading, its run conditions and the table."""
    payload = json.loads(path.read_text())
    machine = payload.get("machine", {})
    data = payload.get("data", {})
    results = [Result(**row) for row in payload.get("results", [])]
    lines = [
        f"### {machine.get('database', path.stem)}",
        "",
        f"{data.get('articles', 0):,} articles, {data.get('claims', 0):,} claims; run finished "
        f"{payload.get('finished_at', '?')} in {machine.get('wall_seconds', '?')} s; load average "
        f"{machine.get('load_average_at_start')} at start, {machine.get('load_average_at_end')} at end "
        f"({machine.get('cpus')} CPUs); load tool: {machine.get('load_tool')}.",
        "",
        markdown_table(results),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    paths = [Path(name) for name in arguments] or [
        path for path in (RESULTS_DIR / "sqlite.json", RESULTS_DIR / "postgres.json") if path.exists()
    ]
    print("\n\n".join(render(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
