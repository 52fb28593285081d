"""Capture the real venue's installed catalogue into the simulator's data files.

    python -m tests.parity.capture_catalog http://127.0.0.1:8800

Writes ``covia_proto/testing/data/catalog.json`` (every asset's metadata text exactly as
the venue serves it, with its real id, and the ``/operations`` listing as path → real id,
in the venue's order) and the content of its data assets. Run it against a freshly
started, warmed-up venue (``stats.ops`` reaches its final count a few seconds after start).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

SOURCE = "covia-ai/covia develop 87d1b66 (0.2.0-SNAPSHOT), ../shared/real-venue/covia-venue.jar"
DATA = Path(__file__).resolve().parents[2] / "covia_proto" / "testing" / "data"


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return bytes(answer.read())


def capture(base: str) -> dict[str, Any]:
    api = base.rstrip("/") + "/api/v1"
    listing = json.loads(_get(api + "/assets?limit=1000"))
    assets = []
    content: dict[str, str] = {}
    for ident in listing["items"]:
        text = _get(f"{api}/assets/{ident}").decode("utf-8")
        assets.append({"id": ident, "text": text})
        meta = json.loads(text)
        body = meta.get("content") if isinstance(meta, dict) else None
        if isinstance(body, dict) and isinstance(body.get("sha256"), str):
            data = _get(f"{api}/assets/{ident}/content")
            sha = hashlib.sha256(data).hexdigest()
            name = (meta.get("name") or sha[:12]).lower().replace(" ", "-") + ".gz"
            (DATA / name).write_bytes(gzip.compress(data, mtime=0))
            content[sha] = name
    operations = [[op["name"], op["asset"]] for op in json.loads(_get(api + "/operations"))]
    ask = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'
    request = urllib.request.Request(base.rstrip("/") + "/mcp", data=ask, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        tools = json.loads(answer.read())["result"]["tools"]
    return {
        "source": SOURCE,
        "assets": assets,
        "operations": operations,
        "content": content,
        "mcp_tools": tools,
    }


def main() -> None:
    DATA.mkdir(exist_ok=True)
    catalog = capture(sys.argv[1])
    (DATA / "catalog.json").write_text(json.dumps(catalog, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(catalog['assets'])} assets, {len(catalog['operations'])} operations")


if __name__ == "__main__":
    main()
