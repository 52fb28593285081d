"""Authentication (docs: "Authentication"). A local venue is public: it accepts every
request, so each scheme below connects."""

from __future__ import annotations

import sys

from covia import Grid
from covia.auth import Auth, BasicAuth, BearerAuth, NoAuth


class OAuth2Auth(Auth):
    def __init__(self, access_token: str):
        self._token = access_token

    def apply(self, headers: dict[str, str]) -> None:
        headers["Authorization"] = f"Bearer {self._token}"

    def __repr__(self) -> str:
        return "OAuth2Auth(***)"


def main(venue_url: str) -> None:
    # Bearer Token
    venue = Grid.connect(venue_url, auth=BearerAuth("your-token-here"))
    print(venue.status().name)
    venue.close()

    # HTTP Basic
    venue = Grid.connect(venue_url, auth=BasicAuth("username", "password"))
    venue.close()

    # No Authentication (the default when auth is not specified)
    venue = Grid.connect(venue_url, auth=NoAuth())
    venue.close()

    # Custom Authentication
    with Grid.connect(venue_url, auth=OAuth2Auth("access-token")) as venue:
        print(venue.status().name)


if __name__ == "__main__":
    main(sys.argv[1])
