"""Discovering, reading and registering assets (docs: "Discovering Assets",
"Working with Asset Content", "Registering Assets")."""

from __future__ import annotations

import hashlib
import sys

from covia import Asset, Grid


def main(venue_url: str) -> None:
    with Grid.connect(venue_url) as venue:
        # Two data assets to work with: the venue checks uploads against the SHA-256
        # their metadata declares.
        first = venue.register(
            {
                "name": "Contents",
                "content": {
                    "contentType": "text/plain",
                    "sha256": hashlib.sha256(b"file contents").hexdigest(),
                },
            }
        )
        second = venue.register(
            {
                "name": "Updated",
                "content": {
                    "contentType": "text/plain",
                    "sha256": hashlib.sha256(b"updated content").hexdigest(),
                },
            }
        )

        # List all assets
        assets = venue.list_assets()
        print(f"Total: {assets.total}")

        # With pagination
        assets = venue.list_assets(offset=10, limit=20)

        # Get a specific asset by ID
        asset = venue.get_asset(first.id)
        print(asset.name)
        print(asset.description)
        print(asset.metadata)

        # Upload content
        content_hash = venue.put_asset_content(first.id, b"file contents")
        print(content_hash)

        # Download binary content
        content = venue.get_asset_content(first.id)
        print(content)

        # Or use the Asset object directly
        asset = venue.get_asset(second.id)
        asset.put_content(b"updated content")
        content = asset.get_content()
        print(content)

        # Register an Asset object (recommended)
        asset = venue.register(
            Asset(
                {
                    "name": "My Dataset",
                    "description": "Sample data for analysis",
                    "content": {"contentType": "text/csv"},
                }
            )
        )
        print(asset.id)  # server-assigned content-addressed ID
        print(asset.name)  # "My Dataset"

        # Or pass a plain dict
        asset = venue.register(
            {
                "name": "My Dataset",
                "description": "Sample data for analysis",
            }
        )
        print(asset.id)


if __name__ == "__main__":
    main(sys.argv[1])
