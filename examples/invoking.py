"""Invoking Operations (docs: "Invoking Operations")."""

from __future__ import annotations

import sys

from covia import Grid


def main(venue_url: str) -> None:
    with Grid.connect(venue_url) as venue:
        # Invoke and get a Job for tracking
        job = venue.invoke("v/test/ops/echo", {"prompt": "hello"})
        job.wait(timeout=60)
        print(job.output)

        # Or use run() for synchronous one-shot execution
        result = venue.run("v/test/ops/echo", {"prompt": "hello"}, timeout=60)
        print(result)


if __name__ == "__main__":
    main(sys.argv[1])
