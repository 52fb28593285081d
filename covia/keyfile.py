"""Key files: where an identity lives on disk, written so only its owner can read it.

A key file is written with mode ``0600`` (its directory ``0700`` when made here) and
refused on loading when its group or others may read or write it, as ssh refuses a
private key left open. The default place is ``$XDG_CONFIG_HOME/covia/key``, else
``~/.config/covia/key``.
"""

from __future__ import annotations

import os
import pathlib
import stat
from typing import Final, Literal

from covia_proto.errors import CoviaUsageError
from covia_proto.identity.keys import Ed25519Key

__all__ = ["KEY_ENV", "KeyFormat", "default_key_path", "load_key", "save_key"]

KEY_ENV: Final = "COVIA_KEY"  # names a key file for the command line
KeyFormat = Literal["pem", "jwk", "multibase", "seed"]


def default_key_path() -> pathlib.Path:
    """``$XDG_CONFIG_HOME/covia/key``, else ``~/.config/covia/key`` (read now, not at import)."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return pathlib.Path(config) / "covia" / "key"


def _encoded(key: Ed25519Key, format: KeyFormat) -> bytes:
    if format == "pem":
        return key.to_pem()
    if format == "jwk":
        import json

        return (json.dumps(key.to_jwk(), indent=2) + "\n").encode()
    if format == "multibase":
        return (key.to_multibase() + "\n").encode()
    if format == "seed":
        return (key.export_seed().hex() + "\n").encode()
    raise CoviaUsageError(f"key format must be pem, jwk, multibase or seed, not {format!r}")


def save_key(
    key: Ed25519Key,
    path: str | os.PathLike[str],
    *,
    format: KeyFormat = "pem",
    overwrite: bool = False,
) -> pathlib.Path:
    """Write ``key`` to ``path`` with mode 0600 (never over an existing file unless
    ``overwrite``); missing directories are made with mode 0700."""
    target = pathlib.Path(path).expanduser()
    data = _encoded(key, format)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(target, flags | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        raise CoviaUsageError(f"{target} exists already: not overwriting a key") from None
    except OSError as exc:
        raise CoviaUsageError(f"cannot write a key to {target}: {exc.strerror}") from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_TRUNC
        os.write(fd, data)
    finally:
        os.close(fd)
    return target


def load_key(path: str | os.PathLike[str]) -> Ed25519Key:
    """The key in ``path`` (PEM, JWK, multibase or seed), if only its owner can read it."""
    source = pathlib.Path(path).expanduser()
    try:
        with open(source, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise CoviaUsageError(
                    f"{source} is open to other users (mode {stat.S_IMODE(mode):04o}): "
                    f"a private key must be 0600 (chmod 600 {source})"
                )
            data = file.read(64 * 1024)
    except FileNotFoundError:
        raise CoviaUsageError(f"no key file at {source} (make one with 'covia key new')") from None
    except IsADirectoryError:
        raise CoviaUsageError(f"{source} is a directory, not a key file") from None
    except PermissionError:
        raise CoviaUsageError(f"cannot read the key file {source}: permission denied") from None
    try:
        return Ed25519Key.load(data)
    except CoviaUsageError as exc:
        raise CoviaUsageError(f"{source}: {exc.message}") from None
