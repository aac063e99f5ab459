"""Every read of processes, questions and submissions, with who may see what.

Sealed means sealed here: a submission's content, its existence and the number of submissions
are readable only by the submitting organisation until the phase is opened — by no buyer, admin,
feed, search or export. Every page and API endpoint reads submissions through this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from openbuy import clock
from openbuy.accounts.models import Membership, Organisation
from openbuy.accounts.rules import can
from openbuy.processes import lifecycle, services
from openbuy.processes.lifecycle import Status
from openbuy.processes.models import (
    Invitation,
    Phase,
    Process,
    ProcessEvent,
    Question,
    Receipt,
    Submission,
)

# Value bands for the list's filter: (slug, label, low, high).
VALUE_BANDS = [
    ("under-25k", "Under 25,000", None, Decimal("25000")),
    ("25k-100k", "25,000 to 100,000", Decimal("25000"), Decimal("100000")),
    ("100k-1m", "100,000 to 1 million", Decimal("100000"), Decimal("1000000")),
    ("over-1m", "Over 1 million", Decimal("1000000"), None),
]
CLOSING_SOON_DAYS = 14
OPEN = (Status.QUESTIONS, Status.SUBMISSIONS)


def visible_processes(viewer) -> QuerySet[Process]:
    """Published processes, and the drafts (and drafts cancelled unpublished) of the buyers the
    viewer runs processes for."""
    drafts = Q(pk__in=[])
    if viewer is not None and viewer.is_authenticated:
        mine = Membership.objects.filter(
            user=viewer,
            organisation__kind="buyer",
            role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
        ).values("organisation_id")
        drafts = Q(organisation_id__in=mine)
    return Process.objects.filter(Q(published_at__isnull=False) | drafts)


@dataclass(frozen=True)
class Filters:
    query: str = ""
    kind: str = ""
    status: str = ""
    buyer: str = ""
    area: str = ""
    value: str = ""
    closing_soon: bool = False


def process_list(viewer, filters: Filters, now: datetime | None = None) -> QuerySet[Process]:
    now = now or clock.now()
    processes = lifecycle.annotate(
        visible_processes(viewer).select_related("organisation", "area", "current_phase"), now
    )
    if filters.query:
        for word in filters.query.split()[:8]:
            processes = processes.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(organisation__name__icontains=word)
            )
    if filters.kind in Process.Kind.values:
        processes = processes.filter(kind=filters.kind)
    if filters.status in Status.values:
        processes = processes.filter(status=filters.status)
    if filters.buyer:
        processes = processes.filter(organisation__slug=filters.buyer)
    if filters.area:
        processes = processes.filter(area__slug=filters.area)
    band = next((b for b in VALUE_BANDS if b[0] == filters.value), None)
    if band is not None:
        if band[2] is not None:
            processes = processes.filter(value_amount__gte=band[2])
        if band[3] is not None:
            processes = processes.filter(value_amount__lt=band[3])
    if filters.closing_soon:
        processes = processes.filter(
            status__in=[s.value for s in OPEN],
            current_phase__deadline__lte=now + timedelta(days=CLOSING_SOON_DAYS),
        ).order_by("current_phase__deadline", "id")
    return processes


def process_for(viewer, pk: int) -> Process:
    process = (
        Process.objects.select_related(
            "organisation", "area", "current_phase", "specification", "spec_version"
        )
        .filter(pk=pk)
        .first()
    )
    unpublished = process is not None and process.published_at is None
    if process is None or (unpublished and not can(viewer, "processes.run", process)):
        raise Process.DoesNotExist
    return process


def status(process: Process, now: datetime | None = None) -> Status:
    return lifecycle.status_of(process, now or clock.now())


def timeline(process: Process) -> list[ProcessEvent]:
    return list(process.events.select_related("actor").order_by("at", "id"))


def answered_questions(process: Process) -> list[Question]:
    """Published clarifications, numbered in the order they were answered. No asker."""
    return list(
        process.questions.filter(state=Question.State.ANSWERED)
        .only("id", "text", "answer", "answered_at", "asked_at", "phase_id", "process_id")
        .order_by("answered_at", "id")
    )


def waiting_questions(viewer, process: Process) -> list[Question]:
    """Questions not yet answered, for the buyer to answer: the text, never the asker."""
    if not can(viewer, "processes.run", process):
        raise PermissionDenied("Only the buyer's officers see questions waiting for an answer.")
    return list(
        process.questions.filter(state=Question.State.OPEN)
        .only("id", "text", "asked_at", "phase_id", "process_id")
        .order_by("asked_at", "id")
    )


def own_questions(viewer, process: Process) -> list[Question]:
    if not viewer.is_authenticated:
        return []
    return list(process.questions.filter(asker=viewer).order_by("-asked_at", "-id"))


def supplier_organisations(viewer) -> list[Organisation]:
    """The supplier organisations the viewer may submit for."""
    if not viewer.is_authenticated:
        return []
    return list(
        Organisation.objects.filter(
            kind="supplier",
            memberships__user=viewer,
            memberships__role__in=[Membership.Role.SUPPLIER, Membership.Role.ADMIN],
        ).order_by("name")
    )


def own_submissions(viewer, process: Process | None = None) -> QuerySet[Submission]:
    """The submissions of the organisations the viewer submits for, and nobody else's."""
    orgs = [o.pk for o in supplier_organisations(viewer)]
    submissions = Submission.objects.filter(organisation_id__in=orgs).select_related(
        "phase", "phase__process", "lot", "organisation"
    )
    if process is not None:
        submissions = submissions.filter(phase__process=process)
    return submissions.order_by("-updated_at", "-id")


def may_read(viewer, submission: Submission) -> bool:
    """Its own organisation always; the buyer's officers once its phase is opened and it was
    submitted. Nobody else, ever; nobody at all before opening."""
    if can(viewer, "processes.submit_for", submission.organisation):
        return True
    phase = submission.phase
    return (
        phase.opened_at is not None
        and submission.opened is not None
        and can(viewer, "processes.run", phase.process)
    )


def content(viewer, submission: Submission) -> dict:
    if not may_read(viewer, submission):
        raise PermissionDenied("This submission is sealed.")
    if submission.opened is not None and not can(
        viewer, "processes.submit_for", submission.organisation
    ):
        return submission.opened
    return services.submission_content(submission)


@dataclass(frozen=True)
class Opened:
    organisation: Organisation
    lot: str
    receipt: str
    submitted_at: datetime | None
    verified: bool | None
    submission: Submission


def opened(phase: Phase) -> list[Opened]:
    """After opening: who submitted, when, and the receipts — public. Before: nothing."""
    if phase.opened_at is None:
        return []
    rows = (
        Submission.objects.filter(phase=phase, opened__isnull=False)
        .select_related("organisation", "lot")
        .order_by("organisation__name", "id")
    )
    return [
        Opened(s.organisation, str(s.lot or ""), s.receipt, s.submitted_at, s.verified, s)
        for s in rows
    ]


@dataclass(frozen=True)
class ReceiptCheck:
    receipt: Receipt
    submission: Submission
    final: bool  # the receipt of what was opened (not superseded by a revision or withdrawal)
    matches: bool | None  # recomputed from the opened content


def check_receipt(sha256: str) -> ReceiptCheck | None:
    """A receipt, once its phase is opened. Before that nobody learns whether it exists."""
    sha256 = (sha256 or "").strip().lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    receipt = (
        Receipt.objects.filter(sha256=sha256, submission__phase__opened_at__isnull=False)
        .select_related(
            "submission",
            "submission__phase__process",
            "submission__organisation",
            "submission__lot",
        )
        .order_by("-issued_at", "-id")
        .first()
    )
    if receipt is None:
        return None
    submission = receipt.submission
    final = submission.opened is not None and submission.receipt == sha256 and not receipt.withdrawn
    matches = None
    if final:
        from openbuy.processes import sealing

        matches = sealing.receipt(submission.opened or {}) == sha256
    return ReceiptCheck(receipt, submission, final, matches)


def invitations_for(viewer) -> QuerySet[Invitation]:
    orgs = [o.pk for o in supplier_organisations(viewer)]
    return (
        Invitation.objects.filter(organisation_id__in=orgs)
        .select_related("phase", "phase__process", "organisation")
        .order_by("-created_at", "-id")
    )


def invitations_of(process: Process) -> QuerySet[Invitation]:
    """Invitations are public: who was taken forward is part of the record."""
    return (
        Invitation.objects.filter(phase__process=process)
        .select_related("phase", "organisation")
        .order_by("phase__number", "organisation__name")
    )


def may_enter(viewer, process: Process, organisation: Organisation) -> bool:
    phase = process.current_phase
    if phase is None or not can(viewer, "processes.submit_for", organisation):
        return False
    if phase.number == 1:
        return True
    return Invitation.objects.filter(
        phase=phase, organisation=organisation, state=Invitation.State.ACCEPTED
    ).exists()


def related_block(spec, user):
    """For a specification's page: the processes publishing it, and for its buyer, a way to run
    one once it is frozen."""
    from django.urls import reverse

    from openbuy.ui.related import Related

    runs = user is not None and can(user, "specifications.write", spec)
    processes = spec.processes.order_by("-created_at")
    if not runs:
        processes = processes.filter(published_at__isnull=False)
    links = [
        (f"{p.title} ({p.get_kind_display().lower()})", reverse("processes:detail", args=[p.pk]))
        for p in processes[:20]
    ]
    actions = []
    if runs and spec.status == "frozen" and not spec.processes.exists():
        actions.append(("Run a process for this", reverse("processes:create", args=[spec.pk])))
    return Related(heading="Procurement", links=links, actions=actions)
