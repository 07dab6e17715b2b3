"""Composition root: settings in, adapters and the service out."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.imap import ImapMailbox
from mailbot.render import Renderer
from mailbot.service import Service
from mailbot.settings import Settings
from mailbot.smtp import SmtpSender
from mailbot.store import Store
from mailbot.workdays import Calendar


@dataclass
class App:
    settings: Settings
    store: Store
    service: Service

    def mailbox(self) -> ImapMailbox:
        return ImapMailbox(self.settings.imap)

    def sender(self) -> SmtpSender:
        return SmtpSender(self.settings.smtp)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def renderer_for(settings: Settings) -> Renderer:
    org = settings.organisation
    return Renderer(org.templates_dir, org.timezone)


def build_app(settings: Settings) -> App:
    store = Store.open(settings.storage.data_dir)
    try:
        service = Service(settings, store, renderer_for(settings), Calendar.from_settings(settings))
    except BaseException:
        store.close()
        raise
    return App(settings, store, service)
