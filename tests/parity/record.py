"""Record what every parity scenario observes on a venue (normally the real one):

    python -m tests.parity.record http://127.0.0.1:8800 [scenario ...]
    python -m tests.parity.record --private http://127.0.0.1:8801

writes ``tests/parity/recorded.json``, the expectations the offline parity tests hold the
simulator to. Use a freshly started real venue (see ../shared/real-venue/README.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.parity.probe import PRIVATE_SCENARIOS, SCENARIOS, record

RECORDED = Path(__file__).with_name("recorded.json")


def main() -> None:
    args = sys.argv[1:]
    scenarios = PRIVATE_SCENARIOS if args[0] == "--private" else SCENARIOS
    url, *names = args[1:] if args[0] == "--private" else args
    recorded = json.loads(RECORDED.read_text()) if RECORDED.exists() else {}
    for name in names or scenarios:
        recorded[name] = record(url, name)
    RECORDED.write_text(json.dumps(recorded, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
