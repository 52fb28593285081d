"""The benchmarks' smoke run: every section runs and prints its part of the table.

Nothing here looks at a number (the machines are shared and noisy); it only keeps the
benchmarks from rotting as the code they measure changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["== 1. ", "== 2a. ", "== 2b. ", "== 3. ", "== 4. ", "== 5. ", "== 6. ", "== 7. "]


def test_quick_run_prints_every_section(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--results-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output, output
    assert "section failed" not in done.stdout, done.stdout
    assert "Covia SDK benchmarks, quick (smoke) run" in done.stdout
    for heading in SECTIONS:
        assert heading in done.stdout, f"{heading!r} missing:\n{done.stdout}"
    # The official SDK runs in quick mode too (installed on first use), or says why not.
    assert (
        "note: official SDK 0.9.11 on Python" in done.stdout
        or "note: the official SDK could not be installed" in done.stdout
    ), done.stdout
    assert "| scenario | ours ÷ official | ours ÷ raw | target |" in done.stdout
    saved = list(tmp_path.glob("quick-*.json"))
    assert len(saved) == 1
    result = json.loads(saved[0].read_text(encoding="utf-8"))
    assert [s["title"][:3] for s in result["sections"]] == [h[3:6] for h in SECTIONS]
