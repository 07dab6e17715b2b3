"""Import contracts: the pure packages load no adapter and no I/O library; adapters never load
the daemon, the CLI or the demo. Each module is imported alone in a fresh interpreter, so what
it drags in is seen whole, however indirectly."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest

import mailbot

# Libraries that talk to disks, networks or other processes, or render for them: only adapters
# may load them.
IO_LIBRARIES = frozenset(
    {
        "aiosmtpd",
        "apscheduler",
        "cryptography",
        "fpdf",
        "imaplib",
        "imapclient",
        "jinja2",
        "jwt",
        "mailparser",
        "pygal",
        "pymap",
        "smtplib",
        "tinydb",
    }
)
ADAPTERS = (
    "mailbot.cli",
    "mailbot.config.load",
    "mailbot.daemon",
    "mailbot.demo",
    "mailbot.inbound.imap",
    "mailbot.inbound.parse",
    "mailbot.inbound.parsepool",
    "mailbot.oauth",
    "mailbot.outbound",
    "mailbot.report",
    "mailbot.store",
)
# What composes the parts: nothing below it may load it.
TOP = ("mailbot.cli", "mailbot.daemon", "mailbot.demo")


def _modules() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(mailbot.__path__, "mailbot.")]
    return sorted(name for name in found if name != "mailbot.__main__")


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


PURE = [m for m in _modules() if not _within(m, ADAPTERS)]
BELOW_TOP = [m for m in _modules() if _within(m, ADAPTERS) and not _within(m, TOP)]

_PROBE = (
    "import importlib, json, sys; importlib.import_module(sys.argv[1]); "
    "print(json.dumps(sorted(sys.modules)))"
)


@cache
def _loaded_by_all() -> dict[str, frozenset[str] | str]:
    def probe(name: str) -> tuple[str, frozenset[str] | str]:
        out = subprocess.run([sys.executable, "-c", _PROBE, name], capture_output=True, text=True)
        if out.returncode != 0:
            return name, out.stderr.strip().splitlines()[-1]
        return name, frozenset(json.loads(out.stdout))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(probe, _modules()))


def loaded_by(name: str) -> frozenset[str]:
    """Every module a fresh interpreter holds after importing `name` alone."""
    loaded = _loaded_by_all()[name]
    assert not isinstance(loaded, str), f"{name} cannot be imported alone: {loaded}"
    return loaded


def test_the_contracts_cover_every_package() -> None:
    # A new package must be placed on one side: pure, or an adapter.
    assert {"mailbot.procedure", "mailbot.mail", "mailbot.inbound.pipeline"} <= set(PURE)
    assert "mailbot.store.store" in BELOW_TOP and "mailbot.daemon.runner" not in BELOW_TOP


@pytest.mark.parametrize("name", PURE)
def test_a_pure_module_loads_no_adapter_and_no_io_library(name: str) -> None:
    loaded = loaded_by(name)
    adapters = sorted(m for m in loaded if _within(m, ADAPTERS))
    libraries = sorted({m.split(".")[0] for m in loaded} & IO_LIBRARIES)
    assert (adapters, libraries) == ([], []), f"{name} loads {adapters + libraries}"


@pytest.mark.parametrize("name", BELOW_TOP)
def test_an_adapter_never_loads_the_daemon_the_cli_or_the_demo(name: str) -> None:
    above = sorted(m for m in loaded_by(name) if _within(m, TOP))
    assert above == [], f"{name} loads {above}"


def test_the_procedure_core_loads_nothing_but_the_standard_library_and_pure_parts() -> None:
    # The core is a function of its arguments: no third-party package at all, except the
    # html2text that reading a reply's text needs.
    third_party = {
        m.split(".")[0]
        for m in loaded_by("mailbot.procedure")
        if m.split(".")[0] not in sys.stdlib_module_names and not m.startswith("_")
    }
    assert third_party <= {"mailbot", "html2text"}
