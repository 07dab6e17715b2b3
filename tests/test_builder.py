"""The config builder: TOML text that loads back to its values, the same Settings as the
hand-written configs it replaced (tests, demo, bench), and the test Settings builder in step."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from dataclasses import replace
from datetime import date, time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mailbot.config.builder import example_config, toml_text
from mailbot.config.load import load_config
from mailbot.config.settings import Settings
from mailbot.demo.office import ANNA, BRAM, CARLA, PIETER, config_toml

from support import build_settings, config_text, make_settings

# The three configs as they were written by hand before the builder, kept verbatim: what each
# call site writes now must load to the same Settings.
HAND_WRITTEN_TESTS = """
[organisation]
name = "Voorbeeld Training & Coaching"

[imap]
host = "{imap_host}"
port = {imap_port}
security = "none"
username = "{imap_user}"
password = "{imap_password}"
poll_seconds = {poll_seconds}
timeout_seconds = 10
{extra_imap}

[smtp]
host = "{smtp_host}"
port = {smtp_port}
security = "none"
timeout_seconds = 10

[addresses]
complaints = "klachten@example.nl"
committee = "klachtencommissie@example.nl"
operator = "beheer@example.nl"

[[staff]]
name = "Anna de Vries"
email = "anna@example.nl"
alias = "anna"
roles = ["contact", "co-owner"]

[[staff]]
name = "Pieter Bakker"
email = "pieter@example.nl"
alias = "pieter"
roles = ["contact"]

[[committee]]
name = "Bram Jansen"
email = "bram.jansen@example.org"
role = "chair"

[[committee]]
name = "Carla Smit"
email = "carla.smit@example.org"
role = "member"

[security]
trusted_authserv_id = "mx.example.nl"

[storage]
data_dir = "{data_dir}"
"""
HAND_WRITTEN_BENCH = """\
[organisation]
name = "Voorbeeld Training & Coaching"
language = "nl"
timezone = "Europe/Amsterdam"

[imap]
host = "{imap_host}"
port = {imap_port}
security = "none"
username = "{imap_user}"
password_file = "{password_file}"
idle = {idle}
poll_seconds = {poll_seconds}
batch_size = {batch_size}
timeout_seconds = 30

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
timeout_seconds = 30

[addresses]
complaints = "klachten@example.nl"
committee = "klachtencommissie@example.nl"
operator = "beheer@example.nl"

[[staff]]
name = "Anna de Vries"
email = "anna@example.nl"
alias = "anna"
roles = ["contact", "co-owner"]

[[staff]]
name = "Pieter Bakker"
email = "pieter@example.nl"
alias = "pieter"
roles = ["contact"]

[[committee]]
name = "Bram Jansen"
email = "bram.jansen@example.org"
role = "chair"

[[committee]]
name = "Carla Smit"
email = "carla.smit@example.org"
role = "member"

[security]
trusted_authserv_id = "mx.example.nl"
max_auto_replies_per_hour = 1000000

[storage]
data_dir = "{data_dir}"
"""
HAND_WRITTEN_DEMO = """\
# mailbot demo: a local mail system on loopback; made and removed by `mailbot demo`.

[organisation]
name = "Voorbeeld Training & Coaching"
language = "nl"
timezone = "Europe/Amsterdam"
holiday_country = "NL"

[imap]
host = "{host}"
port = {imap_port}
security = "none"
username = "klachten@example.nl"
password_file = "{password_file}"
poll_seconds = 30
timeout_seconds = 10

[smtp]
host = "{host}"
port = {smtp_port}
security = "none"
timeout_seconds = 10

[addresses]
complaints = "klachten@example.nl"
committee = "klachtencommissie@example.nl"
operator = "beheer@example.nl"

[[staff]]
name = "Anna de Vries"
email = "anna@example.nl"
alias = "anna"
roles = ["contact", "co-owner"]

[[staff]]
name = "Pieter Bakker"
email = "pieter@example.nl"
alias = "pieter"
roles = ["contact"]

[[committee]]
name = "Bram Jansen"
email = "bram.jansen@example.org"
role = "chair"

[[committee]]
name = "Carla Smit"
email = "carla.smit@example.org"
role = "member"

[storage]
data_dir = "{data_dir}"
"""


def loaded(path: Path, text: str) -> Settings:
    path.write_text(text, encoding="utf-8")
    return load_config(path, {})


def same(a: Settings, b: Settings) -> bool:
    return replace(a, source=b.source) == b


# --- the three call sites load as before --------------------------------------------------------

TESTS_DEFAULTS: dict[str, Any] = {
    "imap_host": "127.0.0.1",
    "imap_port": 1143,
    "imap_user": "klachten",
    "imap_password": "geheim",
    "smtp_host": "127.0.0.1",
    "smtp_port": 1025,
    "poll_seconds": 1,
    "extra_imap": "",
}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"imap_port": 2143, "imap_user": "mailbot@example.nl", "imap_password": "anders"},
        {"smtp_host": "localhost", "smtp_port": 2525, "poll_seconds": 600},
        {"extra_imap": "batch_size = 25"},
    ],
)
def test_the_tests_config_loads_as_the_hand_written_one(tmp_path: Path, kwargs: dict) -> None:
    data = tmp_path / "data"
    values = {**TESTS_DEFAULTS, **kwargs, "data_dir": data}
    before = loaded(tmp_path / "before.toml", HAND_WRITTEN_TESTS.format(**values))
    after = loaded(tmp_path / "after.toml", config_text(data, **kwargs))
    assert same(before, after)


def test_the_demo_config_loads_as_the_hand_written_one(tmp_path: Path) -> None:
    values = {
        "data_dir": tmp_path / "data",
        "password_file": tmp_path / "imap-password",
        "imap_port": 1143,
        "smtp_port": 1025,
        "host": "127.0.0.1",
    }
    (tmp_path / "imap-password").write_text("geheim")
    before = loaded(tmp_path / "before.toml", HAND_WRITTEN_DEMO.format(**values))
    text = config_toml(**values)
    assert same(before, loaded(tmp_path / "after.toml", text))
    assert text.startswith("# mailbot demo: a local mail system on loopback;")
    assert '[[staff]]\nname = "Anna de Vries"\n' in text  # as an operator would write it
    people = [(p.name, p.email) for p in (*before.staff, *before.committee)]
    assert people == [(a.name, a.email) for a in (ANNA, PIETER, BRAM, CARLA)]  # the demo's own


def bench_common() -> Any:
    """bench/common.py, which is no package: loaded from its file (once)."""
    if "bench_common" not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "bench" / "common.py"
        spec = importlib.util.spec_from_file_location("bench_common", path)
        assert spec is not None and spec.loader is not None
        sys.modules["bench_common"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["bench_common"])
    return sys.modules["bench_common"]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"poll_seconds": 1, "idle": False, "batch_size": 7, "data_dir": Path("/srv/bench")}],
)
def test_the_bench_config_loads_as_the_hand_written_one(tmp_path: Path, kwargs: dict) -> None:
    common = bench_common()
    server = SimpleNamespace(host="127.0.0.1", port=1143)
    directory = tmp_path / "bench"
    path = common.write_config(directory, server=server, imap_user="u1", smtp_port=2525, **kwargs)
    values = {
        "imap_host": server.host,
        "imap_port": server.port,
        "imap_user": "u1",
        "password_file": directory / "imap-password",
        "idle": str(kwargs.get("idle", True)).lower(),
        "poll_seconds": kwargs.get("poll_seconds", 300),
        "batch_size": kwargs.get("batch_size", 100),
        "smtp_port": 2525,
        "data_dir": kwargs.get("data_dir", directory / "data"),
    }
    before = loaded(tmp_path / "before.toml", HAND_WRITTEN_BENCH.format(**values))
    assert same(before, load_config(path, {}))


# --- the TOML writer --------------------------------------------------------------------------


def test_every_kind_of_value_reads_back_as_written() -> None:
    config = {
        "title": "top",
        "a": {
            "text": 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f é',
            "int": -3,
            "float": 2.5,
            "yes": True,
            "no": False,
            "when": time(8, 30),
            "day": date(2026, 12, 24),
            "list": ["x", 1],
            "inline": [{"k": "v"}, 2],
            "sub": {"dotted.key": "4 weeks", "plain": 1},
        },
        "people": [{"name": "Een"}, {"name": "Twee", "roles": ["contact"]}],
    }
    text = toml_text(config, header="line one\nline two")
    assert text.startswith("# line one\n# line two\n")
    assert tomllib.loads(text) == config
    assert '\n[a.sub]\n"dotted.key" = "4 weeks"\n' in text
    assert '\n[[people]]\nname = "Twee"\nroles = ["contact"]\n' in text


def test_a_value_toml_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="no TOML value for object"):
        toml_text({"a": {"b": object()}})


def test_the_example_keeps_its_keys_in_place_and_adds_sections_in_order() -> None:
    config = example_config(imap={"host": "imap.example.nl", "port": 993}, storage={"x": 1})
    assert list(config) == [
        "organisation",
        "imap",
        "smtp",
        "addresses",
        "staff",
        "committee",
        "storage",
    ]
    assert config["imap"] == {"host": "imap.example.nl", "security": "none", "port": 993}
    config["staff"][0]["roles"].append("x")  # a copy: the next example is untouched
    assert example_config()["staff"][0]["roles"] == ["contact", "co-owner"]


# --- the Settings builder -----------------------------------------------------------------------


def test_the_settings_builder_gives_what_the_tests_config_loads(tmp_path: Path) -> None:
    from_disk = make_settings(tmp_path)
    built = build_settings(data_dir=from_disk.storage.data_dir)
    # The warnings are the loader's words about the file (a password written in it), not values.
    assert built == replace(from_disk, source=built.source, warnings=())


def test_the_settings_builder_takes_overrides_per_section() -> None:
    settings = build_settings(organisation={"language": "en"}, imap={"port": 2143})
    assert (settings.organisation.language, settings.imap.port) == ("en", 2143)
    assert settings.organisation.name == build_settings().organisation.name
    assert build_settings(staff=()).staff == ()
