"""A challenge ends with its winners and prize amounts; the judges' scores are kept and public."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.evaluation import selectors, services
from openbuy.evaluation.models import Prize
from openbuy.processes import selectors as process_selectors
from openbuy.processes import services as process_services
from openbuy.processes.tests.conftest import plan


@pytest.fixture
def challenge(personas, frozen_spec, submit, rival, clock):
    buyer = personas["buyer"]
    process = process_services.process_create(
        actor=buyer,
        specification=frozen_spec,
        kind="challenge",
        value_amount="5000",
        how_to_enter="Send a short description of your idea.",
    )
    process_services.phases_set(actor=buyer, process=process, count=1)
    plan(process, buyer)
    process_services.process_publish(actor=buyer, process=process)
    process.refresh_from_db()
    submit(process, "supplier", "Our idea", None)
    submit(process, "rival", "Their idea", None)
    clock.move_to(process.phase.deadline + timedelta(seconds=1))
    process_services.phase_open(actor=buyer, process=process)
    process.refresh_from_db()
    for who, kind in (("frontline", "staff"), ("evaluator", "expert")):
        services.evaluator_add(actor=buyer, process=process, user=personas[who], kind=kind)
    for submission in process.phase.submissions.all():
        value = "9" if submission.organisation == personas["coop"] else "6"
        for who in ("frontline", "evaluator"):
            services.declare(actor=personas[who], submission=submission, has_conflict=False)
            for criterion in process.criteria.all():
                services.score_set(
                    actor=personas[who],
                    submission=submission,
                    criterion=criterion,
                    score=value,
                    justification=f"RUBRIC {who} {value}",
                )
    return process


def _subs(process, personas):
    by_org = {s.organisation_id: s for s in process.phase.submissions.all()}
    return by_org[personas["coop"].pk], by_org[personas["bigco"].pk]


def test_a_challenge_gives_several_prizes_within_the_pool(client, personas, challenge):
    coop, bigco = _subs(challenge, personas)
    with pytest.raises(ValidationError) as refused:
        services.prizes_award(
            actor=personas["buyer"],
            process=challenge,
            prizes=[
                {"submission": coop, "amount": "4000", "reason": "Best idea."},
                {"submission": bigco, "amount": "2000", "reason": "Runner-up."},
            ],
        )
    assert "more than the prize pool" in str(refused.value)
    services.prizes_award(
        actor=personas["buyer"],
        process=challenge,
        prizes=[
            {"submission": coop, "amount": "3500", "reason": "Best idea."},
            {"submission": bigco, "amount": "1500", "reason": "Runner-up."},
        ],
    )
    challenge.refresh_from_db()
    assert process_selectors.status(challenge) == "awarded"
    assert [(p.place, p.amount) for p in Prize.objects.order_by("place")] == [
        (1, 3500),
        (2, 1500),
    ]
    notice = client.get(f"/processes/{challenge.pk}/award/").content.decode()
    assert "Prize winners" in notice and "GBP 3500.00" in notice and "Runner-up." in notice
    scores = client.get(f"/processes/{challenge.pk}/evaluation/results/").content.decode()
    assert "RUBRIC frontline 9" in scores  # the judges' rubric scores are kept, and public


def test_prizes_are_the_buyers_and_only_for_challenges(personas, challenge):
    coop, _ = _subs(challenge, personas)
    prizes = [{"submission": coop, "amount": "100", "reason": "Good."}]
    for who in ("frontline", "supplier", "admin", "other_buyer"):
        with pytest.raises(PermissionDenied):
            services.prizes_award(actor=personas[who], process=challenge, prizes=prizes)
    tender = process_services.process_create(
        actor=personas["buyer"], specification=challenge.specification, kind="tender"
    )
    with pytest.raises(ValidationError, match="Only a challenge"):
        services.prizes_award(actor=personas["buyer"], process=tender, prizes=prizes)
    with pytest.raises(ValidationError) as refused:
        services.prizes_award(
            actor=personas["buyer"],
            process=challenge,
            prizes=[{"submission": coop, "amount": "-5", "reason": "x"}],
        )
    assert "prizes.0.amount" in refused.value.message_dict
    assert not selectors.prizes_of(challenge)


def test_the_prizes_page(client, personas, challenge):
    coop, _ = _subs(challenge, personas)
    client.force_login(personas["buyer"])
    url = f"/processes/{challenge.pk}/evaluation/prizes/"
    page = client.get(url).content.decode()
    assert page.index("Patel Mobility") < page.index("Northgate")  # ranked by score
    response = client.post(
        url, {f"amount_{coop.public_id}": "3000", f"reason_{coop.public_id}": "Best."}
    )
    assert response.status_code == 302
    assert Prize.objects.get().submission == coop
