"""A tender in lots: each lot is awarded on its own, and its scores, reasons and debriefs become
public with its award while the other lots are still being evaluated."""

import pytest
from django.core.exceptions import PermissionDenied

from openbuy.audit.models import AuditEvent
from openbuy.evaluation import selectors, services
from openbuy.evaluation.tests.conftest import add_supplier, open_phase
from openbuy.processes import services as process_services
from openbuy.processes.models import Process

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_lots(personas, draft_tender, submit, rival, clock):
    """Lot 1 (doors): Sam's co-op and Northgate bid. Lot 2 (ramps): Ada's firm alone."""
    buyer = personas["buyer"]
    lots = process_services.lots_set(
        actor=buyer,
        process=draft_tender,
        lots=[
            {"title": "Doors", "description": "", "value_amount": "5000"},
            {"title": "Ramps", "description": "", "value_amount": "3000"},
        ],
    )
    process_services.process_publish(actor=buyer, process=draft_tender)
    add_supplier(personas, "ada", "Ada Ramps Ltd", "Ada Lovelace")
    submit(draft_tender, "supplier", text="Doors by the co-op.", price="1000", lot=lots[0])
    submit(draft_tender, "rival", text="Doors at scale.", price="800", lot=lots[0])
    submit(draft_tender, "ada", text="Ramps, well made.", price="900", lot=lots[1])
    process = open_phase(personas, draft_tender, clock)
    services.evaluator_add(actor=buyer, process=process, user=personas["evaluator"], kind="expert")
    services.evaluator_add(actor=buyer, process=process, user=personas["frontline"], kind="staff")
    subs = {
        s.organisation.slug: s for s in process.phase.submissions.select_related("organisation")
    }
    criteria = list(process.criteria.exclude(kind="price"))
    for who, mark in (("evaluator", "7"), ("frontline", "8")):
        for submission in subs.values():
            services.declare(actor=personas[who], submission=submission, has_conflict=False)
            for criterion in criteria:
                services.score_set(
                    actor=personas[who],
                    submission=submission,
                    criterion=criterion,
                    score=mark,
                    justification=f"{who}: {submission.organisation.slug} {mark}",
                )
    return process, subs


def _ref(submission):
    return submission.public_id


def test_a_lot_is_published_with_its_own_award(personas, in_lots, client):
    process, subs = in_lots
    doors, ramps = subs[personas["bigco"].slug], subs["ada"]  # the cheaper doors win
    services.award(actor=personas["buyer"], process=process, submission=doors, rationale="Best.")
    process.refresh_from_db()
    assert process.state != Process.State.AWARDED  # lot 2 is still in evaluation

    # The awarded lot's debriefs open at once, for everyone; the other lot's stay shut.
    assert selectors.scores_public(process, process.phase, doors)
    assert not selectors.scores_public(process, process.phase, ramps)
    coop = subs[personas["coop"].slug]
    page = client.get(f"/processes/{process.pk}/debriefs/{_ref(coop)}/")
    assert page.status_code == 200
    assert b"evaluator: patel-mobility-co-operative 7" in page.content
    assert client.get(f"/processes/{process.pk}/debriefs/{_ref(ramps)}/").status_code == 404
    api = client.get(f"/api/v1/processes/{process.pk}/debriefs/{_ref(doors)}")
    assert api.status_code == 200 and api.json()["won"] is True
    assert client.get(f"/api/v1/processes/{process.pk}/debriefs/{_ref(ramps)}").status_code == 404

    # Outsiders read the awarded lot's scores, and nothing of the other lot.
    rows = selectors.results(None, process.phase)
    assert {r.submission.pk for r in rows} == {doors.pk, coop.pk}
    page = client.get(f"/processes/{process.pk}/evaluation/results/")
    assert page.status_code == 200
    assert b"ada: " not in page.content and b"Ada Ramps" not in page.content
    listed = client.get(f"/api/v1/processes/{process.pk}/evaluation/results").json()
    assert {item["submission"] for item in listed["items"]} == {_ref(doors), _ref(coop)}

    # The award notice shows the lot's award; the public record carries the lot's scores and
    # declarations only.
    notice = client.get(f"/processes/{process.pk}/award/")
    assert notice.status_code == 200 and b"Doors" in notice.content
    event = AuditEvent.objects.filter(action="evaluation.awarded").get()
    assert {d["organisation"] for d in event.changes["after"]["declarations"]} == {
        "Patel Mobility Co-operative",
        "Northgate Systems plc",
    }
    assert "Ada Ramps Ltd" not in str(event.changes)


def test_an_evaluator_reads_the_awarded_lot_whole_and_only_their_own_elsewhere(personas, in_lots):
    process, subs = in_lots
    doors, ramps = subs[personas["bigco"].slug], subs["ada"]  # the cheaper doors win
    services.award(actor=personas["buyer"], process=process, submission=doors, rationale="Best.")
    rows = {r.submission.pk: r for r in selectors.results(personas["evaluator"], process.phase)}
    by = {
        r.submission.pk: {x.evaluator.user_id for c in r.criteria for x in c.scores}
        for r in rows.values()
    }
    both = {personas["evaluator"].pk, personas["frontline"].pk}
    assert by[doors.pk] == both  # public now
    assert by[ramps.pk] == {personas["evaluator"].pk}  # still independent


def test_a_lot_needs_only_its_own_scores_and_the_last_lot_completes_the_award(
    personas, in_lots, client
):
    process, subs = in_lots
    doors, ramps = subs[personas["bigco"].slug], subs["ada"]  # the cheaper doors win
    # A new evaluator who has not scored the ramps lot does not hold up the doors lot.
    services.evaluator_add(
        actor=personas["buyer"], process=process, user=personas["resident"], kind="expert"
    )
    services.declare(actor=personas["resident"], submission=ramps, has_conflict=False)
    services.award(actor=personas["buyer"], process=process, submission=doors, rationale="Best.")
    with pytest.raises(Exception, match="Still to score"):
        services.award(
            actor=personas["buyer"], process=process, submission=ramps, rationale="Only bid."
        )
    for criterion in process.criteria.exclude(kind="price"):
        services.score_set(
            actor=personas["resident"],
            submission=ramps,
            criterion=criterion,
            score="7.5",
            justification="Sound.",
        )
    services.award(
        actor=personas["buyer"], process=process, submission=ramps, rationale="Only bid."
    )
    process.refresh_from_db()
    assert process.state == Process.State.AWARDED
    assert client.get(f"/processes/{process.pk}/debriefs/{_ref(ramps)}/").status_code == 200


def test_before_any_award_outsiders_read_no_lot(personas, in_lots, client):
    process, _ = in_lots
    with pytest.raises(PermissionDenied):
        selectors.results(None, process.phase)
    url = f"/processes/{process.pk}/evaluation/results/"
    assert client.get(url)["Location"] == f"/account/login/?next={url}"  # anonymous: sign in
