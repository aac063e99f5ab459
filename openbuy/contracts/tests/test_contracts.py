"""Contracts: signed only after the standstill; milestones, outcomes, amendments and
termination on the public record."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.contracts import selectors, services
from openbuy.contracts.models import Contract, Milestone
from openbuy.lessons import capture

NO_LESSON = capture.no_lesson("A sole trader retired; nothing the buyer could have seen.")


def _sign(personas, award):
    return services.contract_sign(
        actor=personas["buyer"],
        award=award,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 12, 31),
    )


def test_no_contract_before_the_standstill_ends(personas, award, clock):
    with pytest.raises(ValidationError, match="standstill period runs until"):
        _sign(personas, award)
    clock.move_to(award.standstill_ends)
    contract = _sign(personas, award)
    assert contract.supplier == personas["coop"]
    assert contract.value_amount == award.value_amount == Decimal("1000.00")
    with pytest.raises(ValidationError, match="already signed"):
        _sign(personas, award)


@pytest.fixture
def contract(personas, award, clock):
    clock.move_to(award.standstill_ends)
    return _sign(personas, award)


def test_only_the_buyers_officers_manage_a_contract(personas, contract):
    for who in ("supplier", "frontline", "evaluator", "other_buyer", "admin", "resident"):
        with pytest.raises(PermissionDenied):
            services.amend(actor=personas[who], contract=contract, value_change="1", reason="x")
        with pytest.raises(PermissionDenied):
            services.terminate(actor=personas[who], contract=contract, reason="x")


def test_milestones_are_accepted_against_their_criteria(personas, contract):
    buyer = personas["buyer"]
    first = services.milestone_add(
        actor=buyer,
        contract=contract,
        title="Doors fitted",
        acceptance_criteria="Both doors open with a card.",
        due_on=date(2027, 3, 1),
    )
    with pytest.raises(ValidationError) as refused:
        services.milestone_decide(actor=buyer, milestone=first, accept=False)
    assert "note" in refused.value.message_dict
    services.milestone_decide(actor=buyer, milestone=first, accept=False, note="One door fails.")
    first.refresh_from_db()
    assert first.status == Milestone.Status.REJECTED
    with pytest.raises(ValidationError, match="Every milestone must be accepted"):
        services.complete(actor=buyer, contract=contract)
    services.milestone_decide(actor=buyer, milestone=first, accept=True)
    with pytest.raises(ValidationError, match="already been accepted"):
        services.milestone_decide(actor=buyer, milestone=first, accept=True)
    services.complete(actor=buyer, contract=contract)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.COMPLETED


def test_amendments_show_the_cumulative_change(personas, contract):
    buyer = personas["buyer"]
    services.amend(actor=buyer, contract=contract, value_change="250", reason="Extra door.")
    services.amend(actor=buyer, contract=contract, value_change="-50", reason="Smaller sign.")
    money = selectors.money(contract)
    assert money.change == Decimal("200.00") and money.current == Decimal("1200.00")
    assert money.change_percent == Decimal("20.0")
    with pytest.raises(ValidationError) as refused:
        services.amend(actor=buyer, contract=contract, value_change="lots", reason="x")
    assert "value_change" in refused.value.message_dict


def test_outcomes_have_targets_and_actuals(personas, contract):
    buyer = personas["buyer"]
    outcome = services.outcome_add(
        actor=buyer, contract=contract, name="Evening visits", target="400", unit="a month"
    )
    services.outcome_record(actor=buyer, outcome=outcome, actual="312")
    outcome.refresh_from_db()
    assert (outcome.target, outcome.actual) == (Decimal("400.00"), Decimal("312.00"))


def test_termination_needs_a_reason_and_ends_changes(personas, contract):
    buyer = personas["buyer"]
    with pytest.raises(ValidationError):
        services.terminate(actor=buyer, contract=contract, reason="", lesson=NO_LESSON)
    services.terminate(
        actor=buyer, contract=contract, reason="The supplier ceased trading.", lesson=NO_LESSON
    )
    contract.refresh_from_db()
    assert contract.status == Contract.Status.TERMINATED
    with pytest.raises(ValidationError, match="terminated"):
        services.amend(actor=buyer, contract=contract, value_change="1", reason="x")


def test_the_contract_page_is_public_and_the_buyer_manages_it(client, personas, contract):
    buyer = personas["buyer"]
    services.amend(actor=buyer, contract=contract, value_change="100", reason="Extra door.")
    services.milestone_add(
        actor=buyer,
        contract=contract,
        title="Doors fitted",
        acceptance_criteria="Both doors open.",
        due_on=date(2027, 3, 1),
    )
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Patel Mobility Co-operative" in page and "1100.00" in page and "10.0%" in page
    assert "Doors fitted" in page and "Add a milestone" not in page
    process_page = client.get(f"/processes/{contract.process_id}/").content.decode()
    assert f"/contracts/{contract.pk}/" in process_page
    client.force_login(buyer)
    milestone = contract.milestones.get()
    response = client.post(f"/contracts/{contract.pk}/milestones/{milestone.pk}/accept/", {})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.ACCEPTED
    for url in ("milestones/new/", "outcomes/new/", "amend/", "terminate/"):
        assert client.get(f"/contracts/{contract.pk}/{url}").status_code == 200
    client.force_login(personas["supplier"])
    assert client.get(f"/contracts/{contract.pk}/amend/").status_code == 403
