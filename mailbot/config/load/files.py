"""Which config file to use, and its TOML read: errors here stop the load at once."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mailbot.errors import ConfigError

ENV_VAR = "MAILBOT_CONFIG"
LOCAL_NAME = "mailbot.toml"
SYSTEM_CONFIG = Path("/etc/mailbot/mailbot.toml")


def find_config(
    cli_path: str | None,
    env: Mapping[str, str],
    cwd: Path,
    *,
    system_path: Path = SYSTEM_CONFIG,
) -> Path:
    """The config file to use: `-c`, else $MAILBOT_CONFIG, else ./mailbot.toml, else /etc."""
    if cli_path:
        return _explicit(cli_path, cwd, "given with -c")
    if env.get(ENV_VAR):
        return _explicit(env[ENV_VAR], cwd, f"named by ${ENV_VAR}")
    tried = [cwd / LOCAL_NAME, system_path]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    places = " and ".join(str(p) for p in tried)
    raise ConfigError(
        LOCAL_NAME,
        None,
        f"no config file found: tried {places} (no -c given, ${ENV_VAR} not set)",
    )


def _explicit(name: str, cwd: Path, how: str) -> Path:
    path = Path(name).expanduser()
    path = path if path.is_absolute() else cwd / path
    if not path.exists():
        raise ConfigError(str(path), None, f"no such file ({how})")
    if not path.is_file():
        raise ConfigError(str(path), None, f"not a regular file ({how})")
    return path


def read_toml(path: Path) -> dict[str, Any]:
    """The file's tables; a file that cannot be read or parsed is one ConfigError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), None, f"not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from exc
