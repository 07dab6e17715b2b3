"""Composition root: settings in, adapters and the service out."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.clock import SYSTEM_CLOCK, Clock
from mailbot.config.settings import Settings
from mailbot.daemon.actions import Actions
from mailbot.daemon.duties import Duties
from mailbot.daemon.intake import Intake
from mailbot.daemon.service import Service
from mailbot.inbound.imap import ImapMailbox
from mailbot.oauth import TokenProvider, Transport, build_token_provider
from mailbot.outbound.build import MailBuilder
from mailbot.outbound.render import Renderer
from mailbot.outbound.sending import Outbox
from mailbot.outbound.smtp import SmtpSender
from mailbot.procedure import Policy
from mailbot.procedure.workdays import Calendar
from mailbot.store.store import Store


@dataclass
class App:
    settings: Settings
    store: Store
    service: Service
    tokens: TokenProvider | None = None  # one for IMAP and SMTP: a token is asked for once
    # When a token is fresh and what a signed assertion says: the real time, as the token
    # endpoint and the mail servers judge it (`--at` moves the procedure's clock, not theirs).
    token_clock: Clock = SYSTEM_CLOCK

    def mailbox(self) -> ImapMailbox:
        return ImapMailbox(self.settings.imap, tokens=self.tokens, clock=self.token_clock)

    def sender(self) -> SmtpSender:
        return SmtpSender(self.settings.smtp, tokens=self.tokens, clock=self.token_clock)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def renderer_for(settings: Settings) -> Renderer:
    org = settings.organisation
    return Renderer(org.templates_dir, org.timezone)


def compose_service(settings: Settings, store: Store) -> Service:
    """The service's parts, each given what it uses: one mail builder and one policy for all."""
    calendar = Calendar.from_settings(settings)
    policy = Policy(settings, calendar)
    mails = MailBuilder(settings, renderer_for(settings))
    actions = Actions(policy, store, mails)
    return Service(
        intake=Intake(settings, store, actions, mails),
        outbox=Outbox(settings, store, mails, policy),
        duties=Duties(settings, store, mails, calendar, actions),
    )


def build_app(
    settings: Settings, token_clock: Clock = SYSTEM_CLOCK, transport: Transport | None = None
) -> App:
    """The app; its token provider (when a login uses OAuth 2.0) reads its key files now, so
    a broken one is reported at start. `transport` reaches the token endpoint (tests)."""
    store = Store.open(settings.storage.data_dir)
    try:
        service = compose_service(settings, store)
        tokens = build_token_provider(settings, transport)
    except BaseException:
        store.close()
        raise
    return App(settings, store, service, tokens, token_clock)
