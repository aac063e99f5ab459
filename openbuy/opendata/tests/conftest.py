"""A world of processes of every kind at every stage, built once per module through the real
services, and published the way production publishes: each step's commit queues the publication
of its process (``openbuy.opendata.signals``), which runs here when the step ends.

The whole world is built inside one transaction that is rolled back after the module, on a
clock that moves forward step by step (time-machine), so every release has its own date.

=============  =========================================================================
``live``       tender, published late in the story: a sealed submission from the
               co-operative, and a criteria amendment
``evaluating`` tender, two submissions opened, a panel declared, nothing scored
``awarded``    tender awarded to the co-operative; the contract signed after the
               standstill, one milestone accepted and one not, amended, then terminated
``lots``       tender in two lots (doors: two bids; ramps: one), only the doors awarded
``challenge``  challenge with one phase, ended with two prizes
``staged``     staged competition: the gate after phase 1 lets the co-operative continue
               and stops Northgate; phase 2 started and the co-operative submitted to it
``stopped``    staged competition whose gate stopped both: unsuccessful
``cancelled``  tender cancelled while open
=============  =========================================================================
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from openbuy import clock
from openbuy.contracts import services as contracts
from openbuy.demo.personas import create_personas
from openbuy.demo.processes import create_rival
from openbuy.evaluation import services as evaluation
from openbuy.evaluation.tests.conftest import add_supplier
from openbuy.lessons import capture, gate
from openbuy.needs import services as needs
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area
from openbuy.opendata import publish
from openbuy.processes import services
from openbuy.processes.models import Invitation, Process
from openbuy.specifications import services as specs

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
PASSWORD = "persona-password-123"
NO_LESSON = capture.no_lesson("Demo world: nothing to learn here.")

# Prices no budget or estimate shares, so a leak of one before its award is easy to find.
PRICES = {
    "awarded": {"coop": "11234.56", "bigco": "13987.65"},
    "evaluating": {"coop": "7345.67", "bigco": "8456.78"},
    "lots": {"coop": "4123.45", "bigco": "3987.12", "ada": "2876.54"},
    "staged": {"coop": "24111.11", "bigco": "29222.22"},
    "stopped": {"coop": "25333.33", "bigco": "26444.44"},
    "live": {"coop": "9567.89"},
}


@dataclass
class World:
    personas: dict[str, Any]
    processes: dict[str, Process] = field(default_factory=dict)
    contract: Any = None
    # When each step of interest happened (the clock's time), by name.
    moments: dict[str, datetime] = field(default_factory=dict)
    # How many releases publish.everything() still made after the signals had done their work.
    unpublished: int | None = None

    def process(self, key: str) -> Process:
        found = self.processes[key]
        found.refresh_from_db()
        return found


class Builder:
    """Runs each step at its own time, and its publications after it, as production would."""

    def __init__(self, traveller) -> None:
        self.traveller = traveller
        personas = create_personas(password=PASSWORD)
        personas["rival"] = create_rival(personas, password=PASSWORD)
        add_supplier(personas, "ada", "Ada Ramps Ltd", "Ada Lovelace")
        personas["ada_org"] = personas["ada"].memberships.get().organisation
        self.world = World(personas=personas)
        self.p = personas
        self.buyer = personas["buyer"]

    @contextmanager
    def step(self, gap: timedelta = HOUR, *, name: str = ""):
        self.traveller.shift(gap)
        if name:
            self.world.moments[name] = clock.now()
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield

    def at(self, moment: datetime):
        """Move the clock to ``moment`` (never back) for the next step."""
        assert moment >= clock.now(), f"{moment} is in the past of {clock.now()}"
        self.traveller.move_to(moment)

    # --- making things ------------------------------------------------------------------------

    def spec(self, title: str, value: str, *, need: bool = False):
        needs_list = []
        if need:
            raised = needs.need_raise(
                actor=self.p["resident"],
                title=f"{title}: the need",
                description="Residents asked for this at the ward forum.",
                affects="Residents of the town centre",
                area=Area.objects.get(slug="construction-work"),
                organisation=self.p["council"],
            )
            needs.need_answer(
                actor=self.buyer, need=raised, status="adopted", reason="We will buy this."
            )
            raised.refresh_from_db()
            needs_list = [raised]
        made = specs.specification_create(
            actor=self.buyer,
            organisation=self.p["council"],
            title=title,
            summary=f"{title}, for residents of Riverside.",
            needs=needs_list,
            value_amount=value,
        )
        specs.section_edit(
            actor=self.buyer,
            spec=made,
            key="outcomes",
            body="Residents can get to the high street without stairs.",
        )
        made.refresh_from_db()
        specs.specification_freeze(
            actor=self.buyer, spec=made, acknowledgements=self._acknowledge(specs.gate_text(made))
        )
        made.refresh_from_db()
        return made

    @staticmethod
    def _acknowledge(text: str) -> list[gate.Acknowledgement]:
        return [
            gate.Acknowledgement(m.id, gate.Verdict.NOT_RELEVANT, "Not relevant here.")
            for m in gate.matches(text)
        ]

    def draft(self, key: str, kind: str, *, value: str, phases: int | None = None, **extra):
        spec = self.spec(
            f"{key.title()} works at Riverside station", value, need=key in ("awarded", "live")
        )
        process = services.process_create(
            actor=self.buyer,
            specification=spec,
            kind=kind,
            area=Area.objects.get(slug="construction-work"),
            **extra,
        )
        if phases is not None:
            services.phases_set(actor=self.buyer, process=process, count=phases)
        now = clock.now()
        for phase in process.phases.order_by("number"):
            offset = (phase.number - 1) * 30
            services.phase_update(
                actor=self.buyer,
                process=process,
                number=phase.number,
                title=phase.title,
                description=phase.description,
                take_forward=1 if kind == Process.Kind.STAGED and phase.number == 1 else None,
                budget_amount="30000" if kind == Process.Kind.STAGED else None,
                success_criteria="A design residents can test within the budget.",
                kill_criteria="No design that works for wheelchair users.",
                enquiry_end=now + (offset + 7) * DAY,
                deadline=now + (offset + 21) * DAY,
                evaluation_date=(now + (offset + 25) * DAY).date(),
                decision_date=(now + (offset + 28) * DAY).date(),
            )
        self.world.processes[key] = process
        return process

    def publish(self, process: Process) -> Process:
        process.refresh_from_db()
        services.process_publish(
            actor=self.buyer,
            process=process,
            acknowledgements=self._acknowledge(services.gate_text(process)),
        )
        process.refresh_from_db()
        return process

    def submit(self, process: Process, who: str, price: str | None, lot=None):
        org = {"supplier": "coop", "rival": "bigco", "ada": "ada_org"}[who]
        process.refresh_from_db()
        answers = {
            str(c.number): f"Our answer on {c.name.lower()}."
            for c in process.criteria.exclude(kind="price")
        }
        return services.submission_save(
            actor=self.p[who],
            process=process,
            organisation=self.p[org],
            answers=answers,
            price=price,
            lot=lot,
            submit=True,
        )

    def open(self, process: Process) -> Process:
        services.phase_open(actor=self.buyer, process=process)
        process.refresh_from_db()
        return process

    def panel(self, process: Process, *, scores: dict[str, str] | None = None) -> None:
        """Femi (staff) and Eve (expert) declare no conflict and, given ``scores`` (organisation
        slug → mark), score every non-price criterion of every opened submission."""
        for who, kind in (("frontline", "staff"), ("evaluator", "expert")):
            evaluation.evaluator_add(actor=self.buyer, process=process, user=self.p[who], kind=kind)
        submissions = process.phase.submissions.filter(opened__isnull=False)
        for submission in submissions.select_related("organisation"):
            for who in ("frontline", "evaluator"):
                evaluation.declare(actor=self.p[who], submission=submission, has_conflict=False)
                if scores is None:
                    continue
                for criterion in process.criteria.exclude(kind="price"):
                    evaluation.score_set(
                        actor=self.p[who],
                        submission=submission,
                        criterion=criterion,
                        score=scores[submission.organisation.slug],
                        justification="Against the published criteria.",
                    )

    def submission(self, process: Process, org: str, phase: int = 1):
        return process.phases.get(number=phase).submissions.get(organisation=self.p[org])


def build(traveller) -> World:
    b = Builder(traveller)
    w, p, buyer = b.world, b.p, b.buyer
    load_cpv_divisions(Area)
    slugs = {key: p[key].slug for key in ("coop", "bigco", "ada_org")}

    # -- Day 0: seven processes are drafted and published. ---------------------------------------
    with b.step(name="published"):
        cancelled = b.publish(b.draft("cancelled", Process.Kind.TENDER, value="40000"))
        evaluating = b.publish(b.draft("evaluating", Process.Kind.TENDER, value="9000"))
        awarded = b.draft("awarded", Process.Kind.TENDER, value="15000")
        challenge = b.draft(
            "challenge",
            Process.Kind.CHALLENGE,
            value="5000",
            phases=1,
            how_to_enter="Describe your idea in no more than three pages.",
        )
        lots_process = b.draft("lots", Process.Kind.TENDER, value="8000")
        doors, ramps = services.lots_set(
            actor=buyer,
            process=lots_process,
            lots=[
                {"title": "Doors", "description": "Automatic doors.", "value_amount": "5000"},
                {"title": "Ramps", "description": "", "value_amount": "3000"},
            ],
        )
        staged = b.draft("staged", Process.Kind.STAGED, value="300000")
        stopped = b.draft("stopped", Process.Kind.STAGED, value="300000")
    for process in (awarded, challenge, lots_process, staged, stopped):
        with b.step():
            b.publish(process)

    # -- Day 1: questions, submissions, and a cancellation. --------------------------------------
    b.at(START + DAY)
    with b.step():
        question = services.question_ask(
            actor=p["supplier"], process=awarded, text="May crews use the depot at weekends?"
        )
        services.question_answer(actor=buyer, question=question, answer="Yes, from 8am.")
    with b.step():
        for key, process in (("awarded", awarded), ("evaluating", evaluating)):
            b.submit(process, "supplier", PRICES[key]["coop"])
            b.submit(process, "rival", PRICES[key]["bigco"])
        b.submit(lots_process, "supplier", PRICES["lots"]["coop"], lot=doors)
        b.submit(lots_process, "rival", PRICES["lots"]["bigco"], lot=doors)
        b.submit(lots_process, "ada", PRICES["lots"]["ada"], lot=ramps)
        b.submit(challenge, "supplier", None)
        b.submit(challenge, "rival", None)
        for key, process in (("staged", staged), ("stopped", stopped)):
            b.submit(process, "supplier", PRICES[key]["coop"])
            b.submit(process, "rival", PRICES[key]["bigco"])
    with b.step(name="cancelled"):
        services.process_cancel(
            actor=buyer,
            process=cancelled,
            reason="The station's owner will do this work itself.",
            lesson=NO_LESSON,
        )

    # -- Day 21, after the deadlines: everything submitted is opened. ---------------------------
    b.at(START + 21 * DAY + timedelta(minutes=1))
    for key, process in (
        ("evaluating", evaluating),
        ("awarded", awarded),
        ("lots", lots_process),
        ("challenge", challenge),
        ("staged", staged),
        ("stopped", stopped),
    ):
        with b.step(name=f"{key}.opened"):
            b.open(process)
    with b.step():
        b.panel(evaluating)
        b.panel(awarded, scores={slugs["coop"]: "8", slugs["bigco"]: "6"})
        b.panel(
            lots_process, scores={slugs["coop"]: "6", slugs["bigco"]: "8", slugs["ada_org"]: "7"}
        )
        b.panel(challenge, scores={slugs["coop"]: "9", slugs["bigco"]: "6"})
        b.panel(staged, scores={slugs["coop"]: "8", slugs["bigco"]: "5"})
        b.panel(stopped, scores={slugs["coop"]: "4", slugs["bigco"]: "3"})

    # -- Day 22: the decisions. ----------------------------------------------------------------
    b.at(START + 22 * DAY)
    with b.step(name="awarded.awarded"):
        award = evaluation.award(
            actor=buyer,
            process=awarded,
            submission=b.submission(awarded, "coop"),
            rationale="The highest score, and the lower price.",
        )
    with b.step(name="lots.awarded"):
        evaluation.award(
            actor=buyer,
            process=lots_process,
            submission=b.submission(lots_process, "bigco"),
            rationale="The best doors.",
        )
    with b.step(name="challenge.awarded"):
        evaluation.prizes_award(
            actor=buyer,
            process=challenge,
            prizes=[
                {
                    "submission": b.submission(challenge, "coop"),
                    "amount": "3500",
                    "reason": "Best.",
                },
                {
                    "submission": b.submission(challenge, "bigco"),
                    "amount": "1500",
                    "reason": "A close second.",
                },
            ],
        )
    with b.step(name="staged.gate"):
        evaluation.gate_decide(
            actor=buyer,
            process=staged,
            decisions={
                b.submission(staged, "coop").public_id: ("continue", "Residents tested it."),
                b.submission(staged, "bigco").public_id: ("stop", "The design needs stairs."),
            },
            lesson=NO_LESSON,
        )
    with b.step(name="stopped.gate"):
        evaluation.gate_decide(
            actor=buyer,
            process=stopped,
            decisions={
                b.submission(stopped, "coop").public_id: ("stop", "Too costly to run."),
                b.submission(stopped, "bigco").public_id: ("stop", "The design needs stairs."),
            },
            lesson=NO_LESSON,
        )
    with b.step():
        invitation = Invitation.objects.get(phase__process=staged, organisation=p["coop"])
        services.invitation_respond(actor=p["supplier"], invitation=invitation, accept=True)
    with b.step(name="staged.phase2"):
        services.phase_start_next(actor=buyer, process=staged)
    with b.step():
        staged.refresh_from_db()
        b.submit(staged, "supplier", "61000")

    # -- Day 30: a new tender opens, and gets a sealed submission and an amendment. ------------
    b.at(START + 30 * DAY)
    with b.step(name="live.published"):
        live = b.publish(b.draft("live", Process.Kind.TENDER, value="12000"))
    with b.step():
        b.submit(live, "supplier", PRICES["live"]["coop"])
    with b.step(name="live.amended"):
        services.criteria_set(
            actor=buyer,
            process=live,
            criteria=[
                {"kind": "quality", "name": "Quality of the proposed approach", "weight": 50},
                {"kind": "price", "name": "Price", "weight": 30},
                {"kind": "social_value", "name": "Social value", "weight": 20},
            ],
            note="More weight on social value, as residents asked.",
        )

    # -- Day 33, after the standstill: the contract, and its life. -----------------------------
    b.at(START + 33 * DAY)
    today = timezone.localdate(clock.now())
    with b.step(name="contract.signed"):
        award.refresh_from_db()
        contract = contracts.contract_sign(
            actor=buyer, award=award, starts_on=today, ends_on=today + 364 * DAY
        )
    with b.step(name="contract.planned"):
        first = contracts.milestone_add(
            actor=buyer,
            contract=contract,
            title="Sign-up open",
            acceptance_criteria="Residents can sign up by text, phone and at the library.",
            due_on=today + 2 * DAY,
        )
        second = contracts.milestone_add(
            actor=buyer,
            contract=contract,
            title="First reminders sent",
            acceptance_criteria="Every signed-up resident gets a text the day before.",
            due_on=today + 3 * DAY,
        )
        contracts.milestone_add(
            actor=buyer,
            contract=contract,
            title="A year of reminders",
            acceptance_criteria="No missed reminder in the year.",
            due_on=today + 360 * DAY,
        )
    with b.step(DAY, name="contract.milestones"):
        contracts.milestone_decide(
            actor=buyer, milestone=first, accept=True, note="All three work."
        )
        contracts.milestone_decide(
            actor=buyer, milestone=second, accept=False, note="The log shows no texts were sent."
        )
    with b.step(name="contract.amended"):
        contracts.amend(
            actor=buyer,
            contract=contract,
            value_change="1500",
            reason="Reminders in Welsh as well as English.",
        )
    with b.step(DAY, name="contract.terminated"):
        contracts.terminate(
            actor=buyer,
            contract=contract,
            reason="No reminders were ever sent.",
            lesson=capture.lesson(
                title="Check a supplier can send texts before signing",
                tried="A contract for text reminders with a small supplier.",
                happened="No reminder was sent in the first month.",
                why="We did not ask for a working demonstration before the award.",
                do_differently="Ask for a live demonstration as part of the evaluation.",
            ),
        )
    w.contract = contract
    w.moments["end"] = clock.now()
    # What the signals did not publish (there should be nothing: see test_validity).
    w.unpublished = publish.everything()
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module and rolled back after it; the clock stays at the
    world's last moment (day 35) while the module's tests run."""
    media = tmp_path_factory.mktemp("opendata-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        time_machine.travel(START, tick=False) as traveller,
        transaction.atomic(),
    ):
        built = build(traveller)
        yield built
        transaction.set_rollback(True)


def price(value: str) -> int | float:
    """A price as OCDS carries it (see ``openbuy.opendata.mapping.money``)."""
    amount = Decimal(value)
    return int(amount) if amount == amount.to_integral_value() else float(amount)
