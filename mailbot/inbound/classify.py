"""Step: who wrote — a party to the case, staff, committee, or a stranger."""

from __future__ import annotations

from mailbot.inbound.item import InboundItem, Outcome, PipelineContext


def sender_role(item: InboundItem, ctx: PipelineContext) -> str:
    sender = item.mail.from_addr
    if ctx.settings.committee_member(sender) is not None:
        return "committee"
    if ctx.settings.staff_member(sender) is not None:
        return "staff"
    case = item.case
    if case is not None and (case.complainant.email or "").lower() == sender:
        return "complainant"
    return "stranger"


def roles(sender: str, ctx: PipelineContext) -> frozenset[str]:
    """What a staff or committee member may act as."""
    found: set[str] = set()
    member = ctx.settings.committee_member(sender)
    if member is not None:
        found |= {"committee", "chair"} if member.role == "chair" else {"committee"}
    staff = ctx.settings.staff_member(sender)
    if staff is not None:
        found |= {"staff", "co-owner"} if staff.is_co_owner else {"staff"}
    return frozenset(found)


def classify_sender(item: InboundItem, ctx: PipelineContext) -> Outcome | None:
    item.sender_role = sender_role(item, ctx)
    item.roles = roles(item.mail.from_addr, ctx)
    if item.sender_role == "stranger" and item.linked_by_report:
        item.sender_role = "robot"  # a bounce or receipt about mailbot's own mail on the case
    elif item.sender_role == "stranger":
        # Only a party to the case may add to it: a copied tag never reaches another's case.
        item.case = None
    committee = ctx.settings.addresses.committee.lower()
    addressed = {a.lower() for a in item.mail.recipients}
    addressed.update(
        v.strip().lower()
        for h in ("Delivered-To", "X-Original-To")
        for v in item.mail.header_all(h)
    )
    item.track = "formal" if committee in addressed else "direct"
    return None
