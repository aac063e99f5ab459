"""What makes a challenge, a tender and a staged competition different: small rule objects.

The process core (models, services, pages) asks the kind's rules instead of branching on the
kind, so a new kind is a new entry here, not a copy of the core.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhasePlan:
    title: str
    description: str
    take_forward: int | None = None


@dataclass(frozen=True)
class KindRules:
    value_label: str
    value_hint: str
    phases: tuple[PhasePlan, ...]
    min_phases: int
    max_phases: int
    lots: bool  # may be split into lots
    needs_price: bool  # must weigh price among its criteria
    entry_help: str  # what "how to enter" is for, or "" when not asked

    def check_phases(self, count: int) -> str:
        """A message when a process of this kind cannot have ``count`` phases, else ""."""
        if count < self.min_phases:
            return f"Add at least {self.min_phases} phase{'s' if self.min_phases > 1 else ''}"
        if count > self.max_phases:
            return f"This kind of process has at most {self.max_phases} phases"
        return ""


TENDER = KindRules(
    value_label="Estimated value",
    value_hint="The most the buyer expects to spend, before tax.",
    phases=(PhasePlan("Competition", "One open competition: anyone may submit."),),
    min_phases=1,
    max_phases=1,
    lots=True,
    needs_price=True,
    entry_help="",
)

CHALLENGE = KindRules(
    value_label="Prize pool",
    value_hint="The total of the prizes on offer.",
    phases=(
        PhasePlan("Ideas", "Anyone may enter with an idea in a few pages.", take_forward=10),
        PhasePlan("Finals", "The finalists show a working answer to the judges."),
    ),
    min_phases=1,
    max_phases=5,
    lots=False,
    needs_price=False,
    entry_help="Who may enter, what to send, and what the prizes are for.",
)

STAGED = KindRules(
    value_label="Total budget",
    value_hint="Across every phase; each phase states its own share.",
    phases=(
        PhasePlan(
            "Feasibility",
            "Small, paid studies of whether an idea can work. Short and cheap to enter.",
            take_forward=3,
        ),
        PhasePlan("Prototype", "The most promising ideas are built and tested.", take_forward=2),
        PhasePlan("Pilot", "A working service is tried with real users."),
    ),
    min_phases=2,
    max_phases=3,
    lots=False,
    needs_price=True,
    entry_help="",
)

RULES = {"tender": TENDER, "challenge": CHALLENGE, "staged": STAGED}


def rules_for(kind: str) -> KindRules:
    return RULES[kind]
