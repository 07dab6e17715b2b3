"""[addresses], [[staff]] and [[committee]]: who mailbot is, who works with it, and who decides."""

from __future__ import annotations

from mailbot.config.load.table import Context, Table
from mailbot.config.load.values import ALIAS_RE, alias, array, choice, email, same_address, text
from mailbot.config.settings import (
    COMMITTEE_ROLES,
    STAFF_ROLES,
    Addresses,
    CommitteeMember,
    StaffMember,
)


def addresses(t: Table) -> Addresses:
    return Addresses(
        complaints=t.get("complaints", email),
        committee=t.get("committee", email),
        operator=t.get("operator", email),
    )


def staff_member(t: Table) -> StaffMember:
    address = t.get("email", email)
    return StaffMember(
        name=t.get("name", text),
        email=address,
        alias=_staff_alias(t, address),
        roles=t.get("roles", array(choice(STAFF_ROLES), unique=True)),
    )


def _staff_alias(t: Table, address: str | None) -> str | None:
    """The alias as written, else the e-mail address's local part."""
    if t.has("alias") or not address:
        return t.get("alias", alias, None)
    local = address.split("@", 1)[0].lower()
    if ALIAS_RE.match(local):
        return local
    t.error("alias", f'required: "{local}" (from the e-mail address) is not an alias')
    return None


def committee_member(t: Table) -> CommitteeMember:
    return CommitteeMember(
        name=t.get("name", text),
        email=t.get("email", email),
        role=t.get("role", choice(COMMITTEE_ROLES)),
    )


def check_addresses(ctx: Context, ours: Addresses) -> None:
    if same_address(ours.complaints, ours.committee):
        ctx.error(
            "addresses.committee",
            "must differ from addresses.complaints: the address a complaint is sent to "
            "decides its track",
        )


def check_people(
    ctx: Context,
    staff: tuple[StaffMember, ...],
    committee: tuple[CommitteeMember, ...],
    ours: Addresses,
) -> None:
    """Everyone has an address of their own, and one role: staff or committee."""
    own = {a.lower() for a in (ours.complaints, ours.committee) if a}
    seen: dict[str, str] = {}  # lower-case e-mail -> the entry that has it
    for kind, people in (("staff", staff), ("committee", committee)):
        for i, person in enumerate(people, 1):
            key, address = f"{kind}[{i}].email", (person.email or "").lower()
            if address in own:
                ctx.error(key, f'"{person.email}" is one of mailbot\'s own addresses')
            elif address in seen and seen[address].startswith(kind):
                ctx.error(key, f'duplicate e-mail "{person.email}": also {seen[address]}')
            elif address in seen:
                ctx.error(
                    key,
                    f'"{person.email}" is also {seen[address]}: a person is either staff or '
                    "committee, otherwise the role of their commands is ambiguous",
                )
            elif address:
                seen[address] = f"{kind}[{i}] ({person.name})"
    _check_aliases(ctx, staff)
    _check_chairs(ctx, committee)


def _check_aliases(ctx: Context, staff: tuple[StaffMember, ...]) -> None:
    seen: dict[str, str] = {}
    for i, member in enumerate(staff, 1):
        key = (member.alias or "").lower()
        if key in seen:
            ctx.error(f"staff[{i}].alias", f'duplicate alias "{member.alias}": also {seen[key]}')
        elif key:
            seen[key] = f"staff[{i}] ({member.name})"


def _check_chairs(ctx: Context, committee: tuple[CommitteeMember, ...]) -> None:
    chairs = [i for i, c in enumerate(committee, 1) if c.role == "chair"]
    if len(chairs) > 1:
        others = ", ".join(f"committee[{i}]" for i in chairs[:-1])
        ctx.error(
            f"committee[{chairs[-1]}].role",
            f'only one chair is allowed; {others} is chair already (make the others "member")',
        )


def warn_people(
    ctx: Context, staff: tuple[StaffMember, ...], committee: tuple[CommitteeMember, ...]
) -> None:
    """Roles the procedure expects but the file does not give: allowed, but worth a word."""
    if committee and not any(c.role == "chair" for c in committee):
        ctx.warnings.append(
            'no [[committee]] member has role = "chair"; the formal track expects a chair '
            "(reminders about the registered post and the evaluation go to the chair)"
        )
    if staff and not any(s.is_contact for s in staff):
        ctx.warnings.append(
            'no [[staff]] member has the role "contact"; new complaints have no contact person'
        )
    if staff and not any(s.is_co_owner for s in staff):
        ctx.warnings.append(
            'no [[staff]] member has the role "co-owner"; mediation needs a co-owner and '
            "escalations go to the co-owners"
        )
