"""The SDK documentation's walkthrough, run against a local venue (no network).

Starts a simulated venue on loopback, then runs every example of the documentation in
order against it. ``python examples/walkthrough.py [VENUE_URL]`` runs it against
another venue instead. (``covia demo`` is the same kind of walk, over a tour built into
the command line; both use ``covia.cli.demo.walk``.)
"""

from __future__ import annotations

import importlib
import sys

from covia.cli.demo import Section, walk
from covia.cli.venue import local_venue

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
    ("Trio", "trio_api"),
]


def sections() -> list[Section]:
    """The examples that exist, each as a titled section (``examples/NAME.py``'s
    ``main(venue_url)``)."""
    found: list[Section] = []
    for title, module_name in SECTIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            continue
        found.append((f"{title} ({module_name}.py)", module.main))
    return found


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        walk(argv[1], sections())
        return 0
    with local_venue() as url:
        print(f"Local venue at {url}")
        walk(url, sections())
    print("\nWalkthrough complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
