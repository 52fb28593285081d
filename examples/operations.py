"""Operations (docs: "Operations")."""

from __future__ import annotations

import sys

from covia import Grid


def main(venue_url: str) -> None:
    with Grid.connect(venue_url) as venue:
        # List all available operations
        operations = venue.list_operations()
        for op in operations:
            print(f"{op.name}: {op.description}")

        # Get details of a specific operation
        op = venue.get_operation("v/test/ops/echo")

        # Invoke by operation name
        job = venue.invoke("v/test/ops/echo", {"message": "hello"})
        print(job.result(timeout=10))

        # Invoke by asset ID
        job = venue.invoke(op.asset or "")
        print(job.result(timeout=10))

        # Invoke by DID URL
        job = venue.invoke(f"{venue.did}/a/{op.asset}")
        print(job.result(timeout=10))


if __name__ == "__main__":
    main(sys.argv[1])
