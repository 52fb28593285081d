"""Identities on the command line: ``key new``, ``key show`` and ``whoami``.

A key lives in a file only its owner can read (``covia.keyfile``): ``--key FILE``, else
``COVIA_KEY``, else the user's config directory (``$XDG_CONFIG_HOME/covia/key`` or
``~/.config/covia/key``). Nothing here ever prints the private key.
"""

from __future__ import annotations

import argparse
import os
import pathlib

from covia.auth import Ed25519Auth
from covia.cli.render import Output
from covia.cli.venue import VenueOptions, connect
from covia.keyfile import default_key_path

__all__ = ["register"]


def _key_path(args: argparse.Namespace) -> pathlib.Path:
    chosen = getattr(args, "key", None) or os.environ.get("COVIA_KEY")
    return pathlib.Path(chosen).expanduser() if chosen else default_key_path()


def _describe(out: Output, auth: Ed25519Auth, path: pathlib.Path, title: str) -> None:
    if out.json_mode:
        out.json({"did": auth.did, "path": str(path), "publicKeyJwk": auth.key.public_jwk()})
        return
    out.fields(
        [("DID", auth.did), ("Public key", auth.key.multikey), ("File", str(path))], title=title
    )


def key_new(args: argparse.Namespace, out: Output) -> int:
    path = _key_path(args)
    auth = Ed25519Auth.generate()
    written = auth.save(path, format=args.format, overwrite=args.force)
    _describe(out, auth, written, "New key")
    if not out.json_mode:
        out.note(f"Written with mode 0600. Use it with --key {written} or COVIA_KEY.")
    return 0


def key_show(args: argparse.Namespace, out: Output) -> int:
    path = _key_path(args)
    _describe(out, Ed25519Auth.load(path), path, "Key")
    return 0


def whoami(args: argparse.Namespace, out: Output) -> int:
    options = VenueOptions.from_args(args)
    with connect(options, out) as venue:
        found = venue.whoami()
    if out.json_mode:
        out.json(
            {
                "caller": found.caller,
                "authenticated": found.authenticated,
                "internal": found.internal,
            }
        )
        return 0
    out.fields(
        [
            ("Caller", found.caller),
            ("Authenticated", "yes" if found.authenticated else "no"),
            ("Anonymous", "yes" if found.caller.endswith(":public") else "no"),
        ],
        title="Who am I",
    )
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    key = commands.add_parser(
        "key",
        help="make or show the Ed25519 key that identifies you",
        description="Ed25519 keys: the identity a venue verifies. The file is --key FILE, "
        "else $COVIA_KEY, else ~/.config/covia/key ($XDG_CONFIG_HOME respected).",
    )
    actions = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    new = actions.add_parser(
        "new", parents=[common], help="make a new key (file mode 0600) and print its DID"
    )
    new.add_argument(
        "--format",
        choices=["pem", "jwk", "multibase", "seed"],
        default="pem",
        help="how the key is written (default pem: PKCS#8)",
    )
    new.add_argument("--force", action="store_true", help="replace an existing key file")
    new.set_defaults(handler=key_new)
    show = actions.add_parser(
        "show", parents=[common], help="print the DID and public key of the key file"
    )
    show.set_defaults(handler=key_show)
    me = commands.add_parser(
        "whoami",
        parents=[common],
        help="ask the venue who it takes you to be",
        description="Run v/ops/auth/whoami: the caller DID your --key (or token) proves.",
    )
    me.set_defaults(handler=whoami)
