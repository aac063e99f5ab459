"""The award: checked against the scores, one per process even under concurrency, and the
moment the scores, reasons and debriefs become public."""

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection

from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import Award
from openbuy.processes import selectors as process_selectors
from openbuy.processes.models import Process


def _score_all(personas, submission, criteria, value, *, who=("frontline", "evaluator")):
    for person in who:
        for criterion in criteria:
            services.score_set(
                actor=personas[person],
                submission=submission,
                criterion=criterion,
                score=value,
                justification=f"{person} gives {value}",
            )


@pytest.fixture
def scored(personas, declared, sam_sub, rhys_sub, quality, social):
    """Sam's co-op scores 8 on quality and social value, Northgate 6; prices £1,000 and £800."""
    _score_all(personas, sam_sub, [quality, social], "8")
    _score_all(personas, rhys_sub, [quality, social], "6")
    return sam_sub, rhys_sub


def _totals(personas, process):
    return {
        r.submission.organisation.name: r.total.total
        for r in selectors.results(personas["buyer"], process.phase)
    }


def test_the_award_needs_agreed_scores_everywhere(
    personas, declared, opened, sam_sub, rhys_sub, quality, social
):
    _score_all(personas, sam_sub, [quality], "8")
    with pytest.raises(ValidationError, match=r"Still to score: .*Femi Adeyemi on Northgate"):
        services.award(actor=personas["buyer"], process=opened, submission=sam_sub, rationale="x")
    # Every evaluator has scored, but they disagree on one criterion: still no award.
    _score_all(personas, sam_sub, [social], "8")
    _score_all(personas, rhys_sub, [quality, social], "6")
    services.score_set(
        actor=personas["evaluator"],
        submission=rhys_sub,
        criterion=social,
        score="1",
        justification="Little social value.",
    )
    with pytest.raises(ValidationError, match="Still to agree: Northgate"):
        services.award(actor=personas["buyer"], process=opened, submission=sam_sub, rationale="x")
    assert not Award.objects.exists()


def test_a_changed_score_reopens_its_moderation(personas, declared, opened, rhys_sub, social):
    from openbuy.evaluation.models import Moderation

    _score_all(personas, rhys_sub, [social], "8", who=("frontline",))
    _score_all(personas, rhys_sub, [social], "2", who=("evaluator",))
    services.moderate(
        actor=personas["buyer"], submission=rhys_sub, criterion=social, score="5", reason="Met."
    )
    _score_all(personas, rhys_sub, [social], "3", who=("frontline",))
    assert not Moderation.objects.exists()


def test_awarding_below_the_top_needs_a_published_reason(personas, opened, scored):
    _, rhys_sub = scored
    totals = _totals(personas, opened)
    # Quality 60% and social value 10% at 8/10 = 56; price 30% at 800/1000*10 = 8 → 24: 80.
    assert totals["Patel Mobility Co-operative"] == Decimal("80.00")
    # Northgate: 6/10 of 70% = 42, plus the lowest price's full 30%: 72.
    assert totals["Northgate Systems plc"] == Decimal("72.00")
    with pytest.raises(ValidationError) as refused:
        services.award(
            actor=personas["buyer"], process=opened, submission=rhys_sub, rationale="Cheaper."
        )
    assert "below_top_reason" in refused.value.message_dict
    made = services.award(
        actor=personas["buyer"],
        process=opened,
        submission=rhys_sub,
        rationale="Cheaper.",
        below_top_reason="Only Northgate can start in January.",
    )
    assert made.below_top_reason == "Only Northgate can start in January."
    assert made.value_amount == Decimal("800.00") and made.total == Decimal("72.00")


def test_the_award_publishes_scores_debriefs_and_starts_the_standstill(
    client, personas, opened, scored, settings, django_capture_on_commit_callbacks
):
    sam_sub, rhys_sub = scored
    # Before the award: scores are the panel's.
    for who in ("supplier", "resident", "other_buyer", "admin", "moderator"):
        with pytest.raises(PermissionDenied):
            selectors.results(personas[who], opened.phase)
    assert client.get(f"/processes/{opened.pk}/evaluation/results/").status_code in (302, 403)
    assert client.get(f"/processes/{opened.pk}/award/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        made = services.award(
            actor=personas["buyer"], process=opened, submission=sam_sub, rationale="Best quality."
        )
    opened.refresh_from_db()
    assert process_selectors.status(opened) == "awarded"
    assert (made.standstill_ends - made.decided_at).days == settings.STANDSTILL_DAYS
    # Now everything is public, to anyone.
    notice = client.get(f"/processes/{opened.pk}/award/").content.decode()
    assert (
        "Patel Mobility Co-operative" in notice and "micro" in notice and "Best quality." in notice
    )
    scores = client.get(f"/processes/{opened.pk}/evaluation/results/").content.decode()
    assert "frontline gives 8" in scores
    debrief = client.get(f"/processes/{opened.pk}/debriefs/{rhys_sub.public_id}/").content.decode()
    assert "Debrief for Northgate Systems plc" in debrief and "evaluator gives 6" in debrief
    assert "72.00" in debrief and "80.00" in debrief
    # Every bidder is told, by email too.
    sent = {address for message in mail.outbox for address in message.to}
    assert {"sam@example.org", "rhys@example.org"} <= sent
    # No second award.
    with pytest.raises(ValidationError):
        services.award(
            actor=personas["buyer"], process=opened, submission=rhys_sub, rationale="Again."
        )


def test_only_the_buyers_officers_award(personas, opened, scored):
    sam_sub, _ = scored
    for who in ("frontline", "evaluator", "supplier", "other_buyer", "admin"):
        with pytest.raises(PermissionDenied):
            services.award(actor=personas[who], process=opened, submission=sam_sub, rationale="x")


@pytest.mark.django_db(transaction=True)
def test_two_awards_at_once_make_exactly_one(personas, opened, scored):
    sam_sub, rhys_sub = scored
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(who, submission, reason):
        try:
            barrier.wait()
            services.award(
                actor=personas[who],
                process=Process.objects.get(pk=opened.pk),
                submission=submission,
                rationale="Race",
                below_top_reason=reason,
            )
            outcomes.append("awarded")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("buyer", sam_sub, "")),
        threading.Thread(target=attempt, args=("org_admin", rhys_sub, "Because.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("awarded") == 1, outcomes
    assert Award.objects.filter(process=opened).count() == 1


def test_the_database_refuses_a_second_award(personas, opened, scored):
    from django.db import IntegrityError, transaction

    sam_sub, rhys_sub = scored
    made = services.award(
        actor=personas["buyer"], process=opened, submission=sam_sub, rationale="Best."
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(
            process=opened,
            submission=rhys_sub,
            value_amount=1,
            currency="GBP",
            rationale="Sneaked in",
            total=1,
            decided_by=personas["buyer"],
            standstill_ends=made.standstill_ends,
        )


def test_bidders_rate_the_buyer_after_the_award_and_the_averages_are_public(
    client, personas, opened, scored
):
    sam_sub, _ = scored
    marks = {"clarity": "4", "answers": "5", "debrief": "3", "timeliness": "2"}
    with pytest.raises(ValidationError, match="once the award is published"):
        services.rate(
            actor=personas["supplier"], process=opened, organisation=personas["coop"], marks=marks
        )
    services.award(actor=personas["buyer"], process=opened, submission=sam_sub, rationale="Best.")
    opened.refresh_from_db()
    for who, organisation in (("resident", "coop"), ("other_buyer", "trust")):
        with pytest.raises(PermissionDenied):
            services.rate(
                actor=personas[who],
                process=opened,
                organisation=personas[organisation],
                marks=marks,
            )
    with pytest.raises(ValidationError) as refused:
        services.rate(
            actor=personas["supplier"],
            process=opened,
            organisation=personas["coop"],
            marks={**marks, "debrief": "9"},
        )
    assert "debrief" in refused.value.message_dict
    services.rate(
        actor=personas["supplier"],
        process=opened,
        organisation=personas["coop"],
        marks=marks,
        comment="Clear brief.",
    )
    services.rate(
        actor=personas["rival"],
        process=opened,
        organisation=personas["bigco"],
        marks={"clarity": "2", "answers": "3", "debrief": "5", "timeliness": "4"},
    )
    with pytest.raises(ValidationError, match="already rated"):
        services.rate(
            actor=personas["supplier"], process=opened, organisation=personas["coop"], marks=marks
        )
    found = selectors.buyer_ratings(personas["council"])
    assert found["count"] == 2 and found["clarity"] == 3 and found["debrief"] == 4
    page = client.get(f"/organisations/{personas['council'].slug}/").content.decode()
    assert "Clarity of specifications: 3.0 out of 5" in page and "From 2 bidders" in page
    client.force_login(personas["supplier"])
    assert client.get(f"/processes/{opened.pk}/rate/").status_code == 200


def test_the_award_puts_the_panels_declarations_on_the_public_record(personas, opened, scored):
    from openbuy.audit.models import AuditEvent

    sam_sub, _ = scored
    services.award(actor=personas["buyer"], process=opened, submission=sam_sub, rationale="Best.")
    event = AuditEvent.objects.get(action="evaluation.awarded")
    assert event.is_public
    declared = event.changes["after"]["declarations"]
    assert len(declared) == 4 and not any(d["conflict"] for d in declared)
    assert {d["organisation"] for d in declared} == {
        "Patel Mobility Co-operative",
        "Northgate Systems plc",
    }
