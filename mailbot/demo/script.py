"""The demo's story: the three tracks and a missed term, played by mail over simulated weeks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.clock import FixedClock
from mailbot.daemon.app import App
from mailbot.demo.mailsystem import Account, MailSystem, Person
from mailbot.demo.narrator import Narrator
from mailbot.demo.office import (
    ANNA,
    BRAM,
    COMMITTEE,
    COMPLAINTS,
    EVA,
    LOTTE,
    MARK,
    PIETER,
    RUUD,
    SOPHIE,
)
from mailbot.inbound.imap import ImapMailbox
from mailbot.mail.tags import find_case_tag
from mailbot.model import Case
from mailbot.outbound.sending import Sender

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
YEAR = 2026
START = datetime(YEAR, 3, 2, 9, 0, tzinfo=AMSTERDAM)  # Monday 2 March 2026


def at(month: int, day: int, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(YEAR, month, day, hour, minute, tzinfo=AMSTERDAM)


class Demo:
    """The stage: people write mail, mailbot does its round, the narrator shows what flowed."""

    def __init__(
        self,
        system: MailSystem,
        app: App,
        mailbox: ImapMailbox,
        senders: Callable[[], Sender],
        clock: FixedClock,
        narrator: Narrator,
    ) -> None:
        self.system = system
        self.app = app
        self.mailbox = mailbox
        self.senders = senders
        self.clock = clock
        self.narrator = narrator
        self._seen = 0
        self.written = 0  # mails people wrote

    # --- time and mailbot ----------------------------------------------------------------

    def at(self, moment: datetime) -> None:
        """Move the clock to `moment`. On a new working day mailbot's morning round comes
        first, when business hours start: the digest and what fell due overnight."""
        now = self.clock.now()
        if moment < now:
            raise ValueError(f"the demo's time only moves forward: {moment} < {now}")
        calendar = self.app.service.calendar
        day = moment.astimezone(AMSTERDAM).date()
        morning = calendar.next_business_moment(calendar.start_of_day(day))
        if day != now.astimezone(AMSTERDAM).date() and now < morning < moment:
            self.clock.set(morning)
            self.mailbot()
        self.clock.set(moment)

    def morning(self, day: date, note: str = "") -> None:
        """mailbot's round at the start of business on `day`; none on a weekend or holiday."""
        calendar = self.app.service.calendar
        if not calendar.is_working_day(day):
            holiday = calendar.holiday_name(day)
            if holiday is not None and day.weekday() < 5:
                self.at(calendar.start_of_day(day) + timedelta(hours=9))
                self.note(f"{holiday} is a public holiday: not a working day, so no notices")
            return
        self.at(calendar.next_business_moment(calendar.start_of_day(day)))
        if note:
            self.note(note)
        self.mailbot()

    def mailbot(self) -> None:
        """mailbot's round, as the daemon does it whenever mail arrives or something falls due:
        handle the inbox, queue due reminders and escalations, the morning digest, send."""
        now = self.clock.now()
        service = self.app.service
        service.poll_once(self.mailbox, now)
        service.tick(now)
        service.digest(now)
        sent = service.flush_outbox(self.senders, now)
        self.app.store.backup(now)
        self.app.store.archive(now)
        self._show()
        if sent.unreachable or sent.deferred or sent.failed:  # never a story with mail missing
            raise RuntimeError(f"the demo's SMTP server did not take every mail: {sent}")

    def _show(self) -> None:
        flowed = self.system.smtp.messages[self._seen :]
        self._seen += len(flowed)
        self.narrator.mails(flowed)

    def note(self, text: str) -> None:
        self.narrator.note(text)

    # --- people ----------------------------------------------------------------------------

    def person(self, account: Account) -> Person:
        return Person(self.system, account.email, account.name, _domain(account.email))

    def write(self, who: Account, subject: str, body: str, to: str = COMPLAINTS) -> None:
        self.person(who).write(to, subject, body, self.clock.now())
        self.written += 1
        self._show()

    def reply(
        self,
        who: Account,
        about: str,
        body: str = "",
        commands: str = "",
        to: str | None = None,
    ) -> None:
        """`who` answers their newest mail about `about` (a case tag or subject words); staff
        answer a mail without commands in its subject, so that only theirs count."""
        person = self.person(who)
        original = person.latest(about, avoid="#" if commands else None)
        person.reply(original, body, self.clock.now(), commands, to)
        self.written += 1
        self._show()

    def case_of(self, client: Account) -> str:
        """The tag of the case a client was given, `[KL-2026-0001]`, read from their mailbox."""
        prefix = self.app.settings.organisation.case_prefix
        for message in reversed(self.system.inbox(client.email)):
            case_id = find_case_tag(str(message["Subject"]), prefix)
            if case_id is not None:
                return f"[{case_id}]"
        raise LookupError(f"{client.email} has no mail with a case number")

    def case(self, tag: str) -> Case:
        found = self.app.store.get_case(tag.strip("[]"))
        if found is None:
            raise LookupError(f"case {tag} is not in the store")
        return found


def _domain(address: str) -> str:
    return "mail." + address.rpartition("@")[2]


# --- the tracks --------------------------------------------------------------------------


def direct_track(d: Demo) -> None:
    d.narrator.section(
        "Track 1: direct resolution",
        "A client writes to the complaints address. mailbot acknowledges at once with a case",
        "number and tells the contact persons; one of them solves it and replies with #opgelost.",
    )
    d.at(at(3, 2, "09:12"))
    d.write(
        SOPHIE,
        "Factuur klopt niet",
        "Geachte heer/mevrouw,\n\nOp mijn factuur van februari staat de training van 12 februari "
        "twee keer.\nWilt u dit corrigeren?\n\nMet vriendelijke groet,\nSophie de Groot\n",
    )
    d.mailbot()
    tag = d.case_of(SOPHIE)
    d.at(at(3, 2, "10:40"))
    d.note(f"Pieter credits the double line and replies to the notice with {tag} #opgelost")
    d.reply(
        PIETER,
        tag,
        "Beste mevrouw De Groot,\n\nWe hebben de dubbele regel gecrediteerd; de nieuwe factuur "
        "volgt deze week.\n\n-- \nPieter Bakker\nVoorbeeld Training & Coaching\n",
        "#opgelost",
    )
    d.mailbot()


def mediation_track(d: Demo) -> None:
    d.narrator.section(
        "Track 2: mediation that ends in agreement",
        "The complainant, the staff member and a co-owner meet; the proposal is agreed by both",
        "sides and mailbot confirms it in writing to everyone involved.",
    )
    d.at(at(3, 3, "19:05"))
    d.write(
        MARK,
        "Coach kwam niet opdagen",
        "Goedenavond,\n\nMijn coach, Ruud Kok, is twee keer niet op de afspraak verschenen, "
        "zonder af te bellen. Ik heb daar twee vrije middagen voor opgenomen.\n\n"
        "Groet,\nMark Visser\n",
    )
    d.mailbot()
    tag = d.case_of(MARK)
    d.at(at(3, 4, "09:20"))
    d.note("Pieter starts mediation and names the coach as the person complained about")
    d.reply(PIETER, tag, commands=f"#bemiddeling #beklaagde {RUUD.email}")
    d.mailbot()
    d.at(at(3, 4, "11:05"))
    d.note("Pieter plans the meeting: everyone gets an invitation with a calendar file")
    d.reply(PIETER, tag, commands="#gesprek 2026-03-12 14:00 Kantoor Utrecht")
    d.mailbot()
    d.at(at(3, 12, "16:30"))
    d.note("after the meeting Pieter sends the proposal to both parties")
    d.reply(
        PIETER,
        tag,
        "Ruud Kok biedt zijn excuses aan. Meneer Visser krijgt twee extra coachingsessies "
        "zonder kosten, in te plannen voor 1 mei.\n",
        "#voorstel",
    )
    d.mailbot()
    d.at(at(3, 13, "08:47"))
    d.note("Mark agrees by replying 'Akkoord' to the proposal")
    d.reply(MARK, tag, "Akkoord, dank voor het goede gesprek.\n\nMark Visser\n")
    d.mailbot()
    d.at(at(3, 13, "10:15"))
    d.note("the coach agreed on the phone: Pieter records it with #akkoord beklaagde")
    d.reply(PIETER, tag, "Ruud heeft telefonisch ingestemd.\n", "#akkoord beklaagde")
    d.mailbot()


def formal_track(d: Demo) -> None:
    d.narrator.section(
        "Track 3: mediation fails; a formal complaint for the committee",
        "The co-owner reports the failed mediation to the complaints committee (#mislukt). The",
        "committee's procedure follows: missing parts asked for, acknowledgement with the term,",
        "analysis, hearing, extension, ruling by registered post, evaluation.",
    )
    d.at(at(3, 16, "09:02"))
    d.write(
        EVA,
        "Training sloot niet aan bij de afspraken",
        "Geachte heer/mevrouw,\n\nDe teamtraining die wij in februari volgden, week sterk af "
        "van wat in de offerte stond. Ik wil hierover een gesprek.\n\nMet vriendelijke groet,\n"
        "Eva Mulder\n",
    )
    d.mailbot()
    tag = d.case_of(EVA)
    d.at(at(3, 16, "11:30"))
    d.note("Anna (co-owner) proposes mediation and plans the meeting")
    d.reply(ANNA, tag, commands="#bemiddeling #gesprek 2026-03-19 15:00 Kantoor Utrecht")
    d.mailbot()
    d.at(at(3, 19, "17:10"))
    d.note("the meeting brings no agreement: Anna reports both positions with #mislukt")
    d.reply(
        ANNA,
        tag,
        "Klager: de training week af van de offerte en zij wil het cursusgeld terug.\n"
        "Trainer: de inhoud is in overleg aangepast; hij biedt een vervolgsessie aan.\n",
        "#mislukt",
    )
    d.mailbot()
    d.at(at(3, 20, "10:25"))
    d.note("Eva completes the form mailbot sent her and replies")
    d.reply(
        EVA,
        tag,
        "Naam: Eva Mulder\nAdres: Kerkstraat 12, 3511 AB Utrecht\n"
        "Datum of periode: 9 en 10 februari 2026\n"
        "Omschrijving: De teamtraining week af van de offerte: twee van de vier onderdelen "
        "zijn niet gegeven.\nHandtekening: E. Mulder\n",
        to=COMMITTEE,
    )
    d.mailbot()
    d.at(at(3, 24, "10:00"))
    d.note("the chair records the committee's analysis of severity and importance")
    d.reply(
        BRAM,
        tag,
        "Middelzwaar: het gaat om de kern van de dienst, maar eenmalig.\n",
        "#zwaarte middel",
    )
    d.mailbot()
    d.at(at(3, 25, "14:00"))
    d.note("the committee hears the complainant in private")
    d.reply(BRAM, tag, commands="#hoorzitting klager 2026-03-31 10:00")
    d.mailbot()
    d.morning(date(YEAR, 4, 10), "five working days before the decision term ends: a reminder")
    d.at(at(4, 10, "11:20"))
    d.note("the chair extends the term, within it, and gives the reason")
    d.reply(
        BRAM,
        tag,
        "De trainer is pas eind april beschikbaar voor een hoorzitting.\n",
        "#verlengen 2026-05-08",
    )
    d.mailbot()
    d.at(at(5, 6, "15:00"))
    d.note("the committee's motivated ruling")
    d.reply(
        BRAM,
        tag,
        "De klacht is deels gegrond. Twee onderdelen uit de offerte zijn niet gegeven; de "
        "aanpassing is niet met de klant vastgelegd. Het bureau betaalt de helft van het "
        "cursusgeld terug.\n",
        "#uitspraak deels",
    )
    d.mailbot()
    d.at(at(5, 7, "12:30"))
    d.note("the chair posted the ruling by registered mail and records the tracking number")
    d.reply(BRAM, tag, commands="#aangetekend RR123456785NL")
    d.mailbot()
    d.at(at(5, 13, "16:00"))
    d.note("the committee evaluates the procedure; the case closes")
    d.reply(
        BRAM,
        tag,
        "De procedure verliep zorgvuldig. Aanbeveling: leg wijzigingen in een training "
        "schriftelijk vast met de opdrachtgever.\n",
        "#evaluatie",
    )
    d.mailbot()


def deadline_track(d: Demo) -> None:
    d.narrator.section(
        "Deadlines: a reminder, then an escalation",
        "Nobody answers this complaint. mailbot wakes every working day; before the term ends",
        "it reminds the contact persons, after it the co-owners get an escalation.",
    )
    d.at(at(5, 18, "13:40"))
    d.write(
        LOTTE,
        "Geen reactie op mijn vraag",
        "Geachte heer/mevrouw,\n\nIk heb drie weken geleden gebeld over mijn certificaat en "
        "nog steeds niets gehoord.\n\nMet vriendelijke groet,\nLotte Hendriks\n",
    )
    d.mailbot()
    tag = d.case_of(LOTTE)
    due = d.case(tag).deadline("direct.resolution").due.astimezone(AMSTERDAM).date()
    day = date(YEAR, 5, 19)
    while day <= due + timedelta(days=7) and not escalated(d.case(tag), "direct.resolution"):
        d.morning(day)
        day += timedelta(days=1)
    d.at(d.clock.now() + timedelta(hours=1, minutes=15))
    d.note("Anna takes it up at once and resolves it")
    d.reply(
        ANNA,
        tag,
        "Uw certificaat is vandaag verstuurd. Excuses voor het lange wachten.\n",
        "#opgelost",
    )
    d.mailbot()


def escalated(case: Case, deadline: str) -> bool:
    return case.deadline(deadline).escalated_at is not None


TRACKS = (direct_track, mediation_track, formal_track, deadline_track)


def play(d: Demo) -> None:
    for track in TRACKS:
        track(d)
