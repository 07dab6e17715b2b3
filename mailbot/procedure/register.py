"""Pure: the body of a `#register` mail — a complaint received by phone, in person or by
letter — read into its parts."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.errors import ProcedureError
from mailbot.mail.tags import INERT_HASH
from mailbot.procedure.parts import address_lines

_SUBJECT_LENGTH = 70

_KEYS = {
    "naam": "name",
    "name": "name",
    "e-mail": "email",
    "email": "email",
    "e-mailadres": "email",
    "telefoon": "phone",
    "phone": "phone",
    "telefoonnummer": "phone",
    "kanaal": "channel",
    "channel": "channel",
    "adres": "address",
    "address": "address",
    "postadres": "address",
    "omschrijving": "description",
    "description": "description",
}
_CHANNELS = {
    "telefoon": "telefoon",
    "phone": "telefoon",
    "telefonisch": "telefoon",
    "mondeling": "mondeling",
    "in person": "mondeling",
    "in-person": "mondeling",
    "brief": "brief",
    "letter": "brief",
    "post": "brief",
    "email": "email",
    "e-mail": "email",
}


@dataclass(frozen=True)
class Registration:
    name: str
    email: str | None
    phone: str
    channel: str  # telefoon | mondeling | brief | email
    description: str
    address: str | None = None  # postal address, lines separated by "\n"

    @property
    def subject(self) -> str:
        """The case's subject: the description's first line, shortened; never the staff
        member's `#register` subject, so no reply to the case's mail repeats the command."""
        line = " ".join(self.description.strip().splitlines()[0].split())
        if len(line) > _SUBJECT_LENGTH:
            line = line[:_SUBJECT_LENGTH].rsplit(" ", 1)[0] + "\u2026"
        return line.replace("#", INERT_HASH)

    @property
    def text(self) -> str:
        """The complaint as the case file records it."""
        lines = [f"Naam: {self.name}", f"Kanaal: {self.channel}"]
        if self.phone:
            lines.append(f"Telefoon: {self.phone}")
        if self.email:
            lines.append(f"E-mail: {self.email}")
        if self.address:
            lines.append("Adres: " + ", ".join(self.address.splitlines()))
        return "\n".join(lines) + "\n\n" + self.description


def registration(body: str) -> Registration:
    """Read `Naam:`/`Name:` ... lines; the description runs on over the lines after it."""
    fields: dict[str, str] = {}
    current = None
    for line in body.splitlines():
        key, sep, value = line.partition(":")
        name = _KEYS.get(key.strip().lower()) if sep else None
        if name is not None:
            fields[name] = value.strip()
            current = name
        elif current == "description":
            fields["description"] += "\n" + line
    missing = [k for k in ("name", "channel", "description") if not fields.get(k, "").strip()]
    if missing:
        raise ProcedureError("register_incomplete", what=", ".join(missing))
    channel = _CHANNELS.get(fields["channel"].lower())
    if channel is None:
        raise ProcedureError(
            "bad_argument", word="register", value=fields["channel"], allowed=sorted(set(_CHANNELS))
        )
    email = fields.get("email", "").strip().strip("<>").lower() or None
    if email is not None and ("@" not in email or " " in email):
        raise ProcedureError("bad_argument", word="register", value=email, allowed=["e-mail"])
    return Registration(
        fields["name"],
        email,
        fields.get("phone", ""),
        channel,
        fields["description"].strip(),
        address_lines(fields.get("address", "")),
    )
