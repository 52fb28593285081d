"""Quick Start: connecting to a venue (docs: "Connecting to a Venue")."""

from __future__ import annotations

import sys

from covia import Grid
from covia_proto.did import url_to_did_web


def main(venue_url: str) -> None:
    # Connect using a URL
    venue = Grid.connect(venue_url)
    venue.close()

    # Connect using a DID (a local venue's did:web maps to http on loopback)
    venue = Grid.connect(url_to_did_web(venue_url))
    venue.close()

    # Use as a context manager for automatic cleanup
    with Grid.connect(venue_url) as venue:
        status = venue.status()
        print(status.name)


if __name__ == "__main__":
    main(sys.argv[1])
