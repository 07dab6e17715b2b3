"""The command line, in process: check's verdicts, exit codes, cases and show as JSON."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot.cli.main import _clock, build_parser, main
from mailbot.clock import FixedClock, OffsetClock
from mailbot.demo.devmail import free_port

from e2e import AT, Deployment
from support import CLIENT, write_config


@pytest.fixture
def deployment(tmp_path: Path, imap_server, smtp_sink) -> Deployment:
    return Deployment(tmp_path, imap_server, smtp_sink)


def test_check_passes_on_a_working_setup(deployment: Deployment) -> None:
    code, out = deployment.cli("check")
    assert code == 0, out
    assert "FAIL" not in out
    assert f"ok: IMAP: logged in to {deployment.imap.host}" in out
    assert "ok: SMTP: connected to 127.0.0.1" in out
    assert re.search(r"ok: templates: \d+ templates render in nl and en", out)


def test_check_names_a_wrong_imap_password(tmp_path: Path, imap_server, smtp_sink, capsys) -> None:
    d = Deployment(tmp_path, imap_server, smtp_sink)
    path = write_config(tmp_path, **{**d.kwargs, "imap_password": "verkeerd"})
    code = main(["check", "-c", str(path)])
    out = capsys.readouterr()
    assert code == 1
    assert "FAIL: IMAP:" in out.out and imap_server.username in out.out
    assert "verkeerd" not in out.out + out.err
    assert "Traceback" not in out.err


def test_check_names_an_unreachable_host(tmp_path: Path, imap_server, smtp_sink, capsys) -> None:
    d = Deployment(tmp_path, imap_server, smtp_sink)
    port = free_port()
    path = write_config(tmp_path, **{**d.kwargs, "smtp_port": port})
    code = main(["check", "-c", str(path)])
    out = capsys.readouterr()
    assert code == 1
    assert f"FAIL: SMTP: cannot connect to SMTP server 127.0.0.1:{port}" in out.out
    assert "Traceback" not in out.err


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('name = "Voorbeeld', 'nam = "Voorbeeld'), "organisation.nam"),
        (lambda t: t.replace("port = ", "port = -", 1), "imap.port"),
        (lambda t: t.replace("[storage]", "[storage]\nretention = 'soon'"), "retention"),
        (lambda t: t + "\n[[[broken", "not valid TOML"),
    ],
)
def test_check_refuses_a_bad_config_with_exit_2(tmp_path: Path, capsys, edit, expected) -> None:
    path = write_config(tmp_path)
    path.write_text(edit(path.read_text()))
    code = main(["check", "-c", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err and expected in err
    assert "Traceback" not in err


def test_a_missing_config_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["check", "-c", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml" in capsys.readouterr().err


def test_cases_and_show_print_the_json_contract(deployment: Deployment, make_mail) -> None:
    deployment.deliver(make_mail(subject="Factuur", sender=f"Jan Jansen <{CLIENT}>"))
    assert deployment.poll()[0] == 0

    code, out = deployment.cli("cases", "--json", "--at", AT)
    assert code == 0
    [listed] = json.loads(out)
    code, out = deployment.cli("show", listed["id"], "--json", "--at", AT)
    assert code == 0
    case = json.loads(out)
    assert case == listed
    assert {
        "id",
        "track",
        "stage",
        "status",
        "complainant",
        "received_at",
        "deadlines",
        "messages",
        "events",
    } <= case.keys()
    assert case["complainant"] == {"name": "Jan Jansen", "email": CLIENT}
    assert case["received_at"] == "2026-03-16T09:00:00+01:00"
    directions = [(m["direction"], m["from"]) for m in case["messages"]]
    assert directions[0] == ("in", CLIENT)
    assert {d for d, _ in directions[1:]} == {"out"}
    assert {"message_id", "to", "subject", "at", "text"} <= case["messages"][0].keys()
    assert [e["action"] for e in case["events"]] == ["received"]

    code, out = deployment.cli("cases", "--at", AT)
    assert code == 0 and listed["id"] in out and "COMPLAINANT" in out
    assert deployment.cli("show", "KL-2026-9999")[0] == 1


def test_show_prints_a_timeline_a_person_reads(deployment: Deployment, make_mail) -> None:
    deployment.deliver(make_mail(subject="Factuur", sender=f"Jan Jansen <{CLIENT}>"))
    deployment.poll()
    code, out = deployment.cli("show", "KL-2026-0001", "--at", "2026-03-20T12:00:00+01:00")
    assert code == 0
    assert "KL-2026-0001  direct / acknowledged / open" in out
    assert "direct.response" in out and "MISSED" in out  # due Tuesday 17 March, not met
    assert f"<- {CLIENT}: Factuur" in out
    assert "* received by" in out


def test_cases_lists_open_and_overdue(deployment: Deployment, make_mail) -> None:
    deployment.deliver(make_mail(subject="Factuur", sender=CLIENT))
    deployment.poll()
    code, out = deployment.cli("cases", "--overdue", "--at", "2026-03-16T10:00:00+01:00")
    assert code == 0 and "KL-2026-0001" not in out
    code, out = deployment.cli("cases", "--overdue", "--at", "2026-03-18T10:00:00+01:00")
    assert "KL-2026-0001" in out and "OVERDUE" in out
    code, out = deployment.cli("cases", "--track", "formal", "--at", "2026-03-18T10:00:00+01:00")
    assert "KL-2026-0001" not in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("acknowledgement",), "Subject: Ontvangstbevestiging van uw klacht [KL-2026-0042]"),
        (("acknowledgement", "--lang", "en"), "Subject: Your complaint has been received"),
        (("formal_acknowledgement",), "Bram Jansen"),
    ],
)
def test_preview_renders_a_template_with_an_example_case(tmp_path: Path, capsys, args, expected):
    path = write_config(tmp_path)
    assert main(["preview", "-c", str(path), "--at", AT, *args]) == 0
    assert expected in capsys.readouterr().out


def test_preview_with_a_real_case_and_an_unknown_template(deployment: Deployment, make_mail):
    deployment.deliver(make_mail(subject="Factuur", sender=f"Jan Jansen <{CLIENT}>"))
    deployment.poll()
    code, out = deployment.cli("preview", "resolution", "--case", "KL-2026-0001", "--at", AT)
    assert code == 0 and "[KL-2026-0001]" in out and "Geachte Jan Jansen" in out
    assert deployment.cli("preview", "nonsense")[0] == 2


def test_demo_runs_from_the_command_line_without_a_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no mailbot.toml anywhere near
    monkeypatch.delenv("MAILBOT_CONFIG", raising=False)
    out = io.StringIO()
    assert main(["demo"], out=out) == 0
    text = out.getvalue()
    for stage in ("resolved", "agreed", "evaluated"):
        assert stage in text


@pytest.mark.parametrize(
    ("command", "runs_on"), [("run", True), ("tick", False), ("poll-once", False), ("cases", False)]
)
def test_at_pins_the_clock_standing_for_a_command_running_on_for_the_daemon(
    command: str, runs_on: bool
) -> None:
    at = datetime.fromisoformat("2026-03-13T15:30:00+01:00")
    clock = _clock(build_parser().parse_args([command, "--at", at.isoformat()]))
    assert at <= clock.now() < at + timedelta(minutes=1)
    assert isinstance(clock, OffsetClock if runs_on else FixedClock)  # Fixed: exactly `at`


def test_run_refuses_an_at_without_an_offset(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--at", "2026-03-13T15:30"])
    assert exit_.value.code == 2
    assert "timestamp needs an offset" in capsys.readouterr().err
