"""Discovery documents (docs: "Discovery")."""

from __future__ import annotations

import sys

from covia import Grid


def main(venue_url: str) -> None:
    with Grid.connect(venue_url) as venue:
        # DID Document (W3C Decentralized Identifier)
        doc = venue.did_document()
        print(doc.id)
        print(doc.context)  # "https://www.w3.org/ns/did/v1"

        # Cached DID (fetched once, then cached)
        did = venue.did
        print(did)

        # MCP Discovery (Model Context Protocol)
        mcp = venue.mcp_discovery()
        print(mcp.mcp_version)

        # A2A Agent Card
        card = venue.agent_card()
        print(card.agentProvider)


if __name__ == "__main__":
    main(sys.argv[1])
