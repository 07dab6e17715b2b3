"""Templates: every one renders in nl and en with StrictUndefined; operator overrides win."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.cli.samples import TEMPLATES, sample_case, sample_effect
from mailbot.errors import TemplateError
from mailbot.model import SendMail
from mailbot.outbound.build import build_mails
from mailbot.outbound.render import Rendered, Renderer

from support import ANNA, PIETER, make_settings

NEW_CASE = TEMPLATES["new_case"]  # the context a new-case notice always carries

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("track", ["direct", "formal"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_renders(tmp_path: Path, name: str, lang: str, track: str) -> None:
    settings = make_settings(tmp_path)
    case = replace(sample_case(track=track), language=lang)
    effect = replace(sample_effect(name), to="complainant")
    [mail] = build_mails(effect, case, case.messages[0], settings, Renderer(), NOW)
    assert "[KL-2026-0042]" in mail.subject
    assert mail.text.strip()
    assert "{{" not in mail.text and "{%" not in mail.text


def test_shipped_templates_are_exactly_the_catalogue() -> None:
    names = Renderer().template_names()
    assert names == sorted((lang, n) for lang in ("nl", "en") for n in TEMPLATES)


def test_acknowledgement_reads_as_a_dutch_office_letter(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case = sample_case()
    [mail] = build_mails(
        SendMail("acknowledgement", "complainant"),
        case,
        case.messages[0],
        settings,
        Renderer(),
        NOW,
    )
    assert mail.subject == "Ontvangstbevestiging van uw klacht [KL-2026-0042]"
    assert "Geachte Jan Jansen," in mail.text
    assert "maandag 16 maart 2026 om 10:30" in mail.text  # 09:30 UTC in Amsterdam, Dutch
    assert "binnen 1 werkdag" in mail.text
    assert "Voorbeeld Training & Coaching" in mail.text  # plain text: no HTML escaping


def test_a_missing_variable_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    override = tmp_path / "mine"
    (override / "nl").mkdir(parents=True)
    (override / "nl" / "acknowledgement.txt.j2").write_text(
        "{% set subject %}Klacht {{ case.id }}{% endset %}Beste {{ case.nonexistent }}"
    )
    with pytest.raises(TemplateError, match="nonexistent"):
        Renderer(override).render("acknowledgement", "nl", {"case": {"id": "KL-2026-0001"}})


def test_operator_templates_override_file_by_file(tmp_path: Path) -> None:
    override = tmp_path / "mine"
    (override / "nl").mkdir(parents=True)
    (override / "nl" / "acknowledgement.txt.j2").write_text(
        "{% set subject %}Eigen onderwerp{% endset %}Eigen tekst"
    )
    renderer = Renderer(override)
    assert renderer.render("acknowledgement", "nl", {}).text == "Eigen tekst\n"
    ctx = {"case": {"id": "KL-1"}, "alert": {"title": "t", "detail": "d", "action": ""}}
    assert (
        renderer.render("operator_alert", "nl", {**ctx, "org": {"name": "x"}}).subject
        == "mailbot: t"
    )


def test_a_template_without_subject_is_refused(tmp_path: Path) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "acknowledgement.txt.j2").write_text("Geen onderwerp")
    with pytest.raises(TemplateError, match="sets no subject"):
        Renderer(tmp_path).render("acknowledgement", "nl", {})


def test_mail_text_is_never_compiled_as_a_template(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case = sample_case()
    hostile = replace(case.messages[0], text="{{ 7 * 7 }} {% raw %}", subject="{{ org }}")
    [mail] = build_mails(
        SendMail("new_case", "anna@example.nl", context=NEW_CASE),
        case,
        hostile,
        settings,
        Renderer(),
        NOW,
    )
    assert "{{ 7 * 7 }} {% raw %}" in mail.text
    assert "49" not in mail.text


class CountingRenderer(Renderer):
    """The real renderer, counting how often a template is actually rendered."""

    def __init__(self, override: Path | None = None) -> None:
        super().__init__(override)
        self.renders = 0

    def render(self, name: str, lang: str, context: dict) -> Rendered:
        self.renders += 1
        return super().render(name, lang, context)


def test_two_contact_persons_share_one_rendering_of_a_notification(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case = sample_case()
    renderer = CountingRenderer()
    mails = build_mails(
        SendMail("new_case", "contact", context=NEW_CASE),
        case,
        case.messages[0],
        settings,
        renderer,
        NOW,
    )
    assert [m.to for m in mails] == [ANNA, PIETER]
    assert mails[0].text == mails[1].text and mails[0].message_id != mails[1].message_id
    assert renderer.renders == 1


def test_a_template_that_names_its_reader_is_rendered_per_person(tmp_path: Path) -> None:
    override = tmp_path / "mine"
    (override / "nl").mkdir(parents=True)
    (override / "nl" / "new_case.html.j2").write_text("<p>Beste {{ recipient.name }}</p>")
    settings = make_settings(tmp_path)
    case = sample_case()
    renderer = CountingRenderer(override)
    mails = build_mails(
        SendMail("new_case", "contact", context=NEW_CASE),
        case,
        case.messages[0],
        settings,
        renderer,
        NOW,
    )
    assert [m.html for m in mails] == ["<p>Beste Anna de Vries</p>", "<p>Beste Pieter Bakker</p>"]
    assert renderer.renders == 2


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("{% set subject %}x{% endset %}Hallo", False),
        ("{% set subject %}x{% endset %}Beste {{ recipient.name }}", True),
        ("{% set subject %}x{% endset %}{% if recipient.role == 'staff' %}i{% endif %}", True),
        ("{% set subject %}x{% endset %}{% set recipient = 1 %}{{ recipient }}", False),
        ("{% set subject %}x{% endset %}{% include 'nl/other.txt.j2' %}", True),  # unsure
    ],
)
def test_reads_tells_whether_a_template_uses_a_variable(
    tmp_path: Path, text: str, reads: bool
) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "status.txt.j2").write_text(text)
    assert Renderer(tmp_path).reads("status", "nl", "recipient") is reads


def test_reads_notices_an_edited_template(tmp_path: Path) -> None:
    (tmp_path / "nl").mkdir()
    template = tmp_path / "nl" / "status.txt.j2"
    template.write_text("{% set subject %}x{% endset %}Hallo")
    renderer = Renderer(tmp_path)
    assert renderer.reads("status", "nl", "recipient") is False
    template.write_text("{% set subject %}x{% endset %}Beste {{ recipient.name }}")
    os.utime(template, (template.stat().st_atime, template.stat().st_mtime + 5))
    assert renderer.reads("status", "nl", "recipient") is True
