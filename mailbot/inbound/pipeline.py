"""The order of the inbound steps, as data, and the loop that runs them."""

from __future__ import annotations

from mailbot.inbound.classify import classify_sender
from mailbot.inbound.dedupe import dedupe
from mailbot.inbound.identify import identify_case
from mailbot.inbound.item import InboundItem, Outcome, PipelineContext, Step
from mailbot.inbound.loop_guard import loop_guard
from mailbot.inbound.rate_limit import rate_limit
from mailbot.inbound.read_commands import read_commands
from mailbot.inbound.route import route

STEPS: tuple[Step, ...] = (
    loop_guard,
    dedupe,
    rate_limit,
    identify_case,
    classify_sender,
    read_commands,
    route,
)


def run_pipeline(
    item: InboundItem, ctx: PipelineContext, steps: tuple[Step, ...] = STEPS
) -> Outcome:
    for step in steps:
        outcome = step(item, ctx)
        if outcome is not None:
            return outcome
    raise AssertionError("the last step must decide")  # route always returns an outcome
