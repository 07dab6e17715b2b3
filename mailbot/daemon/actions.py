"""Carrying out the pipeline's outcomes: the procedure core decides, this turns its effects
into case records and outbox mail (one Changes per inbound mail)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.daemon.burst import hold_notice
from mailbot.errors import ProcedureError
from mailbot.inbound.item import (
    AddToCase,
    AnswerHelp,
    Discard,
    InboundItem,
    OpenCase,
    Outcome,
    Refuse,
    RunCommands,
)
from mailbot.inbound.rate_limit import DAILY_LIMIT
from mailbot.mail.authresults import authenticated, doubtful
from mailbot.mail.autoreply import failed_recipients
from mailbot.mail.replytext import new_text, quoted_passage
from mailbot.model import (
    AttachmentRecord,
    Case,
    Changes,
    MessageRecord,
    Party,
    SeenRecord,
    SendMail,
)
from mailbot.outbound.build import MailBuilder
from mailbot.procedure import (
    Actor,
    CommandGiven,
    CommandRefused,
    ComplainantWrote,
    ComplaintReceived,
    DeliveryFailed,
    Policy,
    StaffWrote,
    new_case,
    transition,
)
from mailbot.procedure.audience import outside_respondent, sees_content
from mailbot.procedure.commands import Command, spec_for
from mailbot.procedure.reasons import explain
from mailbot.procedure.register import registration
from mailbot.procedure.shared import mail
from mailbot.report import render_report, store_figures
from mailbot.store.store import Store

log = logging.getLogger("mailbot")
REFUSALS_ALERT = 3  # refused mails from one sender in a day before the operator is told
# Commands whose answer is itself the confirmation.
_SELF_ANSWERING = frozenset({"status", "help", "list"})
# Commands whose text the procedure mails to the complainant or the respondent.
_ONWARD = frozenset({"reply", "resolve", "proposal", "ruling", "extend"})
# The staff's own text quoted back in a confirmation (templates/*/command_result): theirs to
# write again, so no passage of it counts as mailbot's.
_SENT_BLOCK = re.compile(
    r"^--- (Verstuurde tekst|Text sent) \(begin\) ---$.*?^--- (Verstuurde tekst|Text sent) "
    r"\((einde|end)\) ---$",
    re.MULTILINE | re.DOTALL,
)
# Never held for the hourly cap: the acknowledgement of receipt of a formal complaint has a
# legal term, and goes only to a complaint complete with name, address and signature.
NEVER_HELD = frozenset({"formal_acknowledgement"})


@dataclass(frozen=True)
class Handled:
    folder: str  # processed | quarantine
    changes: Changes
    kind: str  # opened | added | commands | refused | discarded | quarantined


class Actions:
    """One method per outcome; each returns everything that outcome changes."""

    def __init__(self, policy: Policy, store: Store, mails: MailBuilder) -> None:
        self.policy = policy
        self.settings = policy.settings
        self.store = store
        self.mails = mails
        self._tz = ZoneInfo(self.settings.organisation.timezone)
        store.pace_replies(self.settings.security.max_auto_replies_per_hour)

    def carry_out(
        self, outcome: Outcome, item: InboundItem, sha: str, received: datetime, now: datetime
    ) -> Handled:
        if isinstance(outcome, Discard):
            log.info(
                "discarded %s from %s: %s",
                item.mail.message_id,
                item.mail.from_addr,
                outcome.reason,
            )
            seen = self._seen(item, sha, "discarded", now, reason=outcome.reason)
            return Handled("processed", Changes(seen=[seen]), "discarded")
        message = self._record(item, sha, received)
        if isinstance(outcome, OpenCase):
            changes, kind = self._open(outcome, item, message, now), "opened"
        elif isinstance(outcome, AddToCase):
            changes, kind = self._add(outcome, item, message, now), "added"
        elif isinstance(outcome, RunCommands):
            changes, kind = self._commands(outcome, item, message, now)
        elif isinstance(outcome, Refuse):
            changes, kind = self._refuse(outcome, item, message, now), "refused"
        elif isinstance(outcome, AnswerHelp):
            changes, kind = self._help(item, message, now), "commands"
        else:
            raise AssertionError(f"unhandled outcome {outcome!r}")
        case_id = changes.cases[0].id if changes.cases else None
        changes.seen.append(self._seen(item, sha, "case" if case_id else kind, now, case_id))
        return Handled("processed", changes, kind)

    # --- outcomes -----------------------------------------------------------------------

    def _open(self, outcome: OpenCase, item: InboundItem, message: MessageRecord, now: datetime):
        case = self._new_case(
            outcome.track, Party(item.mail.from_name, item.mail.from_addr), message.at
        )
        case, effects = transition(
            case, ComplaintReceived(message, outcome.may_reply), now, self.policy
        )
        effects = self._tell_staff_of_reply(case, self.pace(effects, item, now), item)
        # A flood from one sender: its later cases are told to staff together (burst.py).
        case, effects = hold_notice(case, effects, self.store.hot_cases(), now)
        log.info("opened %s (%s) for %s", case.id, case.track, item.mail.from_addr)
        return self.mails.case_changes(case, effects, message, now)

    def _add(self, outcome: AddToCase, item: InboundItem, message: MessageRecord, now: datetime):
        if outcome.role == "robot" and outcome.automatic == "bounce":
            failed = next(iter(failed_recipients(item.mail)), "")
            event = DeliveryFailed(message, failed)
            case, effects = transition(outcome.case, event, now, self.policy)
        elif outcome.role in ("complainant", "robot"):
            may_reply = outcome.may_reply and outcome.role != "robot"
            security = self.settings.security
            suspect = outcome.role == "complainant" and doubtful(item.mail, security)
            event = ComplainantWrote(message, may_reply, doubtful=suspect)
            case, effects = transition(outcome.case, event, now, self.policy)
            effects = self.pace(effects, item, now)
        else:
            event = StaffWrote(message, self._actor(item), doubtful=item.unvouched)
            case, effects = transition(outcome.case, event, now, self.policy)
            if outcome.may_reply:
                effects = [*effects, self._result(item, message, note_recorded=True)]
        log.info("added %s from %s to %s", item.mail.message_id, item.mail.from_addr, case.id)
        return self.mails.case_changes(case, effects, message, now)

    def _commands(
        self, outcome: RunCommands, item: InboundItem, message: MessageRecord, now: datetime
    ) -> tuple[Changes, str]:
        actor, answered = self._actor(item), self._answered(outcome.case, item)
        text = new_text(item.mail.text, item.mail.html, answered)
        case, effects, loose = outcome.case, [], []
        try:
            _check_onward(outcome.commands, text, answered)
            for command in outcome.commands:
                if spec_for(command.name).needs_case:
                    assert case is not None  # read_commands refused it otherwise
                    event = CommandGiven(command, actor, message, text)
                    case, more = transition(case, event, now, self.policy)
                    effects += more
                elif command.name == "register":
                    case, more = self._register(actor, item, message, now)
                    effects += more
                else:
                    loose.append(self._global(command, actor, message, now))
        except ProcedureError as error:
            refusal = Refuse(outcome.case, tuple(item.given), error)
            return self._refuse(refusal, item, message, now), "refused"
        log.info("%s gave %s on %s", actor.email, " ".join(item.given), case.id if case else "-")
        created = case is not None and outcome.case is None
        if not all(c.name in _SELF_ANSWERING for c in outcome.commands):
            named = any(c.name == "respondent" for c in outcome.commands)
            outside = outside_respondent(case, self.settings) if named else ""
            result = self._result(item, message, created=created, outside_respondent=outside)
            effects.append(_quoting_sent(result, text, effects))
        changes = self.mails.case_changes(case, effects, message, now) if case else Changes()
        changes.outbox += self.mails.build_all(loose, None, message, now)
        return changes, "commands"

    def _answered(self, case: Case | None, item: InboundItem) -> list[str]:
        """The texts of mailbot's mail that this mail answers (In-Reply-To, else References);
        without either, everything mailbot sent the sender on the case."""
        out = [m for m in case.messages if m.direction == "out"] if case else []
        for ids in (item.mail.in_reply_to, item.mail.references):
            found = [_SENT_BLOCK.sub("", m.text) for m in out if m.message_id in ids]
            if found:
                return found
        return [_SENT_BLOCK.sub("", m.text) for m in out if item.mail.from_addr in m.to]

    def _refuse(
        self, outcome: Refuse, item: InboundItem, message: MessageRecord, now: datetime
    ) -> Changes:
        actor = self._actor(item)
        reason = explain(outcome.error, self.settings.organisation.language)
        # A mail that failed authentication is no colleague's: answering it would mail the
        # forger's text to the person forged, once per forgery. The log and the operator's
        # daily count say it happened.
        forged = outcome.error.code == "not_authenticated"
        log.warning(
            "refused %s from %s: %s%s",
            " ".join(outcome.given),
            actor.email,
            outcome.error,
            " (not answered: the mail failed authentication)" if forged else "",
        )
        # A refusal never quotes the refused mail: its text stays out of the answer's context.
        quiet = replace(message, text="")
        given = list(outcome.given)
        refusal = mail("command_refused", actor.email, quiet, commands=given, reason=reason)
        refused = [] if forged else [refusal]
        if outcome.case is None:
            changes = Changes(outbox=self.mails.build_all(refused, None, quiet, now))
        else:
            event = CommandRefused(" ".join(outcome.given), actor, message, str(outcome.error))
            case, _ = transition(outcome.case, event, now, self.policy)
            changes = self.mails.case_changes(case, refused, quiet, now)
        self._count_refusal(changes, actor, now)
        return changes

    def _count_refusal(self, changes: Changes, actor: Actor, now: datetime) -> None:
        """The operator hears of repeated refusals: a forged sender or a confused colleague."""
        key = f"refusals:{actor.email}:{now.astimezone(self._tz).date().isoformat()}"
        count = int(self.store.meta(key) or 0) + 1
        changes.meta[key] = str(count)
        if count != REFUSALS_ALERT:
            return
        alert = {
            "title": f"{count} refused commands from {actor.email} today",
            "detail": f"Commands from {actor.email} were refused {count} times today. If this "
            "person did not send them, someone may be forging their address.",
            "action": "Check the refusals in the audit trail (mailbot show CASE) and, if the "
            "mail was forged, configure security.trusted_authserv_id.",
        }
        effect = SendMail("operator_alert", to="operator", context={"alert": alert})
        changes.outbox += self.mails.build(effect, None, None, now)

    def _help(self, item: InboundItem, message: MessageRecord, now: datetime) -> Changes:
        answer = mail("help", item.mail.from_addr, message)
        return Changes(outbox=self.mails.build_all([answer], None, message, now))

    # --- automatic replies under the global hourly cap ------------------------------------

    def pace(self, effects: list[SendMail], item: InboundItem, now: datetime) -> list[SendMail]:
        """Automatic replies to the sender of `item` count against the global hourly cap
        and, once the hour's budget is spent, wait in the outbox for their turn: held, never
        dropped. A sender the trusted server authenticated cannot be a forged address
        (answering them is no backscatter) and is answered at once, outside the cap."""
        held = [
            i
            for i, e in enumerate(effects)
            if e.auto_submitted == "auto-replied" and e.template not in NEVER_HELD
        ]
        if not held or self.vouched(item):
            return effects
        cap = self.settings.security.max_auto_replies_per_hour
        turns = self.store.auto_reply_turns(now, cap, len(held))
        paced = list(effects)
        for i, turn in zip(held, turns, strict=True):
            paced[i] = replace(paced[i], capped=True, not_before=turn if turn > now else None)
        return paced

    def vouched(self, item: InboundItem) -> bool:
        return authenticated(item.mail, self.settings.security)

    def _tell_staff_of_reply(
        self, case: Case, effects: list[SendMail], item: InboundItem
    ) -> list[SendMail]:
        """The new-case notice says what became of the automatic reply to the complainant:
        sent, waiting until its turn, by letter, or not sent and why."""
        reply = next((e for e in effects if e.auto_submitted == "auto-replied"), None)
        letter = next((e for e in effects if e.context.get("letter_template")), None)
        if letter is not None and not case.complainant.email:
            status = {"status": "letter", "address": bool(case.postal_address)}
        elif reply is not None:
            status = {"status": "waiting", "until": reply.not_before} if reply.not_before else {}
            status = status or {"status": "sent"}
        elif not case.complainant.email:
            status = {"status": "none", "why": "no_address"}
        elif item.no_reply_reason == DAILY_LIMIT:
            status = {"status": "none", "why": "daily_limit"}
        else:  # RFC 3834: the mail shows it must not be answered automatically
            status = {"status": "none", "why": "automatic", "detail": item.no_reply_reason or ""}
        status["template"] = (
            letter.context["letter_template"] if status["status"] == "letter" else None
        ) or (reply.template if reply else None)
        status["cap"] = self.settings.security.max_auto_replies_per_hour
        return [
            replace(e, context={**e.context, "reply": status}) if e.template == "new_case" else e
            for e in effects
        ]

    # --- global commands ------------------------------------------------------------------

    def _register(
        self, actor: Actor, item: InboundItem, message: MessageRecord, now: datetime
    ) -> tuple[Case, list[SendMail]]:
        details = registration(new_text(item.mail.text))
        complainant = Party(details.name, details.email)
        case = self._new_case("direct", complainant, message.at, details.channel)
        case = replace(case, contact=actor.email if "contact" in self._staff_roles(actor) else None)
        first = replace(
            message,
            from_addr=details.email or "",
            subject=details.subject,  # never the command: a reply would register again
            text=details.text,
            kind="mail",
        )
        case, effects = transition(case, ComplaintReceived(first, may_reply=True), now, self.policy)
        return case, self._tell_staff_of_reply(case, effects, item)

    def _global(
        self, command: Command, actor: Actor, message: MessageRecord, now: datetime
    ) -> SendMail:
        if command.name == "help":
            return mail("help", actor.email, message)
        if command.name == "report":
            return self.report_mail(command.args["year"], actor.email, message, now)
        if command.name == "list":
            which = command.args["which"]
            return mail(
                "case_list",
                actor.email,
                message,
                cases=self._listing(which, actor, now),
                which=which,
            )
        raise AssertionError(f"unhandled global command {command.name}")

    def report_mail(
        self, year: int, to: str, trigger: MessageRecord | None, now: datetime
    ) -> SendMail:
        """The yearly analysis as a mail with its files attached."""
        figures = store_figures(self.store, self.settings, year, now=now)
        parts = render_report(
            figures, self.settings.organisation.name, self.settings.organisation.language
        )
        attachments = [
            {"filename": p.filename, "content_type": p.content_type, "text": p.text} for p in parts
        ]
        effect = mail("report", to, trigger, year=year, attachments=attachments)
        return replace(effect, attach=("context",))

    def _listing(self, which: str, actor: Actor, now: datetime) -> list[dict]:
        rows = []
        for case in self.store.hot_cases():
            upcoming = sorted(
                (d for d in case.deadlines if not d.met_at and not d.cancelled_at),
                key=lambda d: d.due,
            )
            if case.status != "open":
                continue
            if which == "overdue" and not (upcoming and upcoming[0].due < now):
                continue
            limited = not sees_content(actor.email, case, self.settings)
            rows.append(
                {
                    "id": case.id,
                    "track": case.track,
                    "stage": case.stage,
                    "status": case.status,
                    "received_at": case.received_at,
                    "complainant_name": "" if limited else case.complainant.name,
                    "next_deadline": upcoming[0].name if upcoming else None,
                    "next_due": upcoming[0].due if upcoming else None,
                    "limited": limited,
                }
            )
        return rows

    # --- shared ---------------------------------------------------------------------------

    def _new_case(
        self, track: str, complainant: Party, received: datetime, channel: str = "email"
    ) -> Case:
        year = received.astimezone(self._tz).year
        case_id = self.store.next_case_id(self.settings.organisation.case_prefix, year)
        language = self.settings.organisation.language
        return new_case(case_id, track, complainant, language, received, channel)

    def _result(self, item: InboundItem, message: MessageRecord, **context: object) -> SendMail:
        context = {
            "commands": list(item.given),
            "note_recorded": False,
            "created": False,
            **context,
        }
        return mail("command_result", item.mail.from_addr, message, **context)

    def _actor(self, item: InboundItem) -> Actor:
        sender = item.mail.from_addr
        member = self.settings.committee_member(sender) or self.settings.staff_member(sender)
        name = member.name if member else item.mail.from_name
        return Actor(sender, name, item.roles)

    def _staff_roles(self, actor: Actor) -> tuple[str, ...]:
        staff = self.settings.staff_member(actor.email)
        return staff.roles if staff else ()

    def _record(self, item: InboundItem, sha: str, received: datetime) -> MessageRecord:
        mail_ = item.mail
        attachments = tuple(
            AttachmentRecord(
                self.store.save_attachment(a.payload), a.filename, a.content_type, len(a.payload)
            )
            for a in mail_.attachments
        )
        kind = "command" if item.given else "mail"
        return MessageRecord(
            mail_.message_id,
            "in",
            mail_.from_addr,
            mail_.recipients,
            mail_.subject,
            received,
            mail_.text,
            sha,
            attachments,
            kind,
        )

    def _seen(
        self,
        item: InboundItem,
        sha: str,
        outcome: str,
        now: datetime,
        case_id: str | None = None,
        reason: str = "",
    ) -> SeenRecord:
        return SeenRecord(
            item.dedupe_key or sha, item.mail.message_id, sha, outcome, now, case_id, reason
        )


def _check_onward(commands: Iterable[Command], text: str, answered: list[str]) -> None:
    """A text mailed onward must be the sender's own: refused when nothing of it is left,
    or when it still repeats a passage of the mailbot mail it answers (quoted text)."""
    onward = next((c for c in commands if c.name in _ONWARD), None)
    if onward is None:
        return
    word = onward.given.split()[0].lstrip("#")  # as the sender wrote it: Dutch or English
    if not text.strip():
        raise ProcedureError("onward_empty", command=word)
    passage = quoted_passage(text, answered)
    if passage:
        raise ProcedureError("onward_quoted", command=word, passage=passage[:300])


def _quoting_sent(result: SendMail, text: str, effects: list[SendMail]) -> SendMail:
    """The confirmation quotes the text exactly as it went to the complainant or respondent."""
    onward = any(
        e.to in ("complainant", "respondent")
        and text in (e.context.get("text"), e.context.get("reason"))
        for e in effects
    )
    return (
        replace(result, context={**result.context, "sent_text": text})
        if onward and text
        else result
    )
