"""``python -m covia_proto.testing serve``: run a simulated venue on loopback.

    python -m covia_proto.testing serve --port 8080 --profile latest --sse

The base URL is printed alone on stdout once the server accepts connections, so scripts
can read it (``--port 0`` picks a free port); messages go to stderr. Ctrl-C or SIGTERM
stops the server and the command exits with 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

DEFAULT_PORT = 8080


def _prog() -> str:
    name = os.path.basename(sys.argv[0])
    return "python -m covia_proto.testing" if name in ("__main__.py", "") else name


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="A simulated Covia venue for tests and local development.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve a simulated venue over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (default: 8080; 0 picks a free one)"
    )
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the simulator has no real security)",
    )
    serve.add_argument("--profile", choices=["0.1", "latest"], default="0.1")
    serve.add_argument("--sse", action="store_true", help="serve working job event streams")
    serve.add_argument("--name", help="venue name (default: the simulator's)")
    serve.add_argument("--did", help="venue DID (default: derived from --seed)")
    serve.add_argument("--seed", type=int, default=0, help="seed for keys and random ops")
    serve.add_argument(
        "--private",
        action="store_true",
        help="refuse anonymous callers (401) like a non-public venue",
    )
    serve.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="TOKEN=DID",
        help="accept bearer TOKEN as caller DID (repeatable)",
    )
    serve.add_argument("--wait-cap", type=float, help="invoke wait cap in seconds (default 120)")
    serve.add_argument("--max-content-size", type=int, help="content upload limit in bytes")
    serve.add_argument("--storage-dir", help="keep asset content in this directory")
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _simulator_options(args: argparse.Namespace) -> dict[str, Any]:
    tokens: dict[str, str] = {}
    for pair in args.token:
        token, sep, did = pair.partition("=")
        if not (sep and token and did):
            raise ValueError(f"--token wants TOKEN=DID, got {pair!r}")
        tokens[token] = did
    options: dict[str, Any] = {
        "profile": args.profile,
        "sse": args.sse,
        "seed": args.seed,
        "public": not args.private,
        "tokens": tokens,
    }
    optional = {
        "name": args.name,
        "did": args.did,
        "wait_cap": args.wait_cap,
        "max_content_size": args.max_content_size,
        "storage_dir": args.storage_dir,
    }
    options.update({key: value for key, value in optional.items() if value is not None})
    return options


async def _serve(args: argparse.Namespace, options: dict[str, Any]) -> None:
    # Imported here so `--help` and argument errors need no aiohttp.
    from covia_proto.testing.server import serve_venue_async

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows; there Ctrl-C arrives as KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(signum, stop.set)
    async with serve_venue_async(host=args.host, port=args.port, **options) as venue:
        print(venue.url, flush=True)
        print(
            f"Covia test venue (profile {args.profile}{', SSE' if args.sse else ''}) "
            f"at {venue.url} - Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.allow_remote and not _is_loopback(args.host):
        parser.error(f"refusing to serve on non-loopback host {args.host!r} without --allow-remote")
    try:
        options = _simulator_options(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        asyncio.run(_serve(args, options))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, the address is not ours, …
        print(f"covia venue: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
