"""The systemd units: `systemd-analyze verify` passes and the exposure level is OK."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[1] / "systemd"
ANALYZE = shutil.which("systemd-analyze")
pytestmark = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze not installed")


def installed_copy(unit: str, tmp_path: Path) -> Path:
    """The unit as installed: ExecStart pointing at a mailbot that exists on this machine."""
    mailbot = Path(sys.executable).with_name("mailbot")
    text = (UNITS / unit).read_text().replace("/opt/mailbot/bin/mailbot", str(mailbot))
    target = tmp_path / unit.replace("@.", "@test.")
    target.write_text(text)
    return target


@pytest.mark.parametrize("unit", ["mailbot.service", "mailbot@.service"])
def test_units_verify(unit: str, tmp_path: Path) -> None:
    path = installed_copy(unit, tmp_path)
    result = subprocess.run([ANALYZE, "verify", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize("unit", ["mailbot.service", "mailbot@.service"])
def test_units_are_hardened(unit: str, tmp_path: Path) -> None:
    path = installed_copy(unit, tmp_path)
    result = subprocess.run(
        [ANALYZE, "security", "--offline=yes", str(path)], capture_output=True, text=True
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0 and match.group(2) in ("OK", "SAFE"), match.group(0)
