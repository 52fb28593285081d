from __future__ import annotations

import os
import pathlib
import stat

import pytest

from covia.keyfile import default_key_path, load_key, save_key
from covia_proto.errors import CoviaUsageError
from covia_proto.identity.keys import Ed25519Key

KEY = Ed25519Key.from_seed(b"f" * 32)
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.mark.parametrize("form", ["pem", "jwk", "multibase", "seed"])
def test_every_format_round_trips(tmp_path: pathlib.Path, form: str):
    path = save_key(KEY, tmp_path / "dir" / "key", format=form)  # type: ignore[arg-type]
    assert load_key(path) == KEY


@posix_only
def test_written_0600_in_a_0700_directory(tmp_path: pathlib.Path):
    path = save_key(KEY, tmp_path / "new" / "key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@posix_only
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_key_open_to_others_is_refused(tmp_path: pathlib.Path, mode: int):
    path = save_key(KEY, tmp_path / "key")
    path.chmod(mode)
    with pytest.raises(CoviaUsageError, match=f"mode {mode:04o}.*chmod 600"):
        load_key(path)


def test_an_existing_file_is_not_overwritten_unless_asked(tmp_path: pathlib.Path):
    path = save_key(KEY, tmp_path / "key")
    other = Ed25519Key.from_seed(b"g" * 32)
    with pytest.raises(CoviaUsageError, match="exists already"):
        save_key(other, path)
    assert load_key(path) == KEY
    path.chmod(0o644)
    save_key(other, path, overwrite=True)
    assert load_key(path) == other  # and the mode is 0600 again, or loading would fail


def test_missing_unreadable_and_malformed_files_say_what_is_wrong(tmp_path: pathlib.Path):
    with pytest.raises(CoviaUsageError, match="covia key new"):
        load_key(tmp_path / "none")
    with pytest.raises(CoviaUsageError, match="is a directory"):
        load_key(tmp_path)
    junk = tmp_path / "junk"
    junk.write_text("hello")
    junk.chmod(0o600)
    with pytest.raises(CoviaUsageError, match=f"{junk}: unrecognised key"):
        load_key(junk)
    with pytest.raises(CoviaUsageError, match="format"):
        save_key(KEY, tmp_path / "k", format="der")  # type: ignore[arg-type]


def test_default_path_follows_xdg_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_key_path() == tmp_path / "covia" / "key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_key_path() == tmp_path / "home" / ".config" / "covia" / "key"
