"""The SDK documentation's walkthrough, run against a local venue (no network).

Starts a simulated venue on loopback, then runs every example of the documentation in
order against it. ``python examples/walkthrough.py [VENUE_URL]`` runs it against
another venue instead.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator

SECTIONS = [
    ("Quick start", "quickstart"),
    ("Invoking operations", "invoking"),
    ("Assets", "assets"),
    ("Authentication", "authentication"),
    ("Jobs", "jobs"),
    ("Operations", "operations"),
    ("Discovery", "discovery"),
    ("Error handling", "errors"),
    ("Configuration and logging", "configuration"),
    ("Async API", "async_api"),
]


@contextlib.contextmanager
def local_venue() -> Iterator[str]:
    from covia_proto.testing.server import serve_venue

    with serve_venue() as running:
        yield running.url


def walk(venue_url: str) -> None:
    for title, module_name in SECTIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            continue
        print(f"\n== {title} ({module_name}.py) ==")
        module.main(venue_url)


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        walk(argv[1])
        return 0
    with local_venue() as url:
        print(f"Local venue at {url}")
        walk(url)
    print("\nWalkthrough complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
