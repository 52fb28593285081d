"""Configuration and logging (docs: "Configuration", "Logging")."""

from __future__ import annotations

import logging
import sys

from covia import Grid
from covia.auth import BearerAuth
from covia_proto.did import url_to_did_web


def main(venue_url: str) -> None:
    # Custom timeout (applies to connect, read, and write)
    venue = Grid.connect(venue_url, timeout=60)
    venue.close()

    # Custom Headers
    venue = Grid.connect(venue_url, headers={"X-Request-ID": "abc123"})
    venue.close()

    # Combining Options
    venue = Grid.connect(
        url_to_did_web(venue_url),
        timeout=30,
        headers={"X-Tenant": "acme"},
        auth=BearerAuth("token"),
    )

    # Target just the SDK's logger
    logger = logging.getLogger("covia")
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        venue.status()  # logs the request and its response, never a credential
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
        venue.close()


if __name__ == "__main__":
    main(sys.argv[1])
