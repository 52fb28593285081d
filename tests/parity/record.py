"""Record what every parity scenario observes on a venue (normally the real one):

    python -m tests.parity.record http://127.0.0.1:8800 [scenario ...]

writes ``tests/parity/recorded.json``, the expectations the offline parity tests hold the
simulator to. Use a freshly started real venue (see ../shared/real-venue/README.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.parity.probe import SCENARIOS, record

RECORDED = Path(__file__).with_name("recorded.json")


def main() -> None:
    url, *names = sys.argv[1:]
    recorded = json.loads(RECORDED.read_text()) if RECORDED.exists() else {}
    for name in names or SCENARIOS:
        recorded[name] = record(url, name)
    RECORDED.write_text(json.dumps(recorded, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
