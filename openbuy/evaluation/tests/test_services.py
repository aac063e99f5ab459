"""The evaluation services and selectors: who sits on the panel, declarations, blind reading,
scores, moderation and results, and who may see any of it."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from openbuy.accounts.models import Membership, User
from openbuy.audit.models import AuditEvent
from openbuy.evaluation import blinding, scoring, selectors, services
from openbuy.evaluation.models import Declaration, Evaluator, Moderation, Score
from openbuy.evaluation.tests.conftest import COPIED

NOT_ON_PANEL = ["buyer", "org_admin", "other_buyer", "supplier", "resident", "moderator", "admin"]
NOT_RUNNERS = [
    "frontline",
    "evaluator",
    "other_buyer",
    "supplier",
    "resident",
    "moderator",
    "admin",
]
OUTSIDERS = ["supplier", "resident", "other_buyer", "admin", "moderator"]


def _score(personas, who, submission, criterion, value, why="Because of the evidence given."):
    return services.score_set(
        actor=personas[who],
        submission=submission,
        criterion=criterion,
        score=value,
        justification=why,
    )


def _result(results, submission):
    return next(r for r in results if r.submission.pk == submission.pk)


def _row(result, criterion):
    return next(c for c in result.criteria if c.criterion.pk == criterion.pk)


# The panel ------------------------------------------------------------------------------------


def test_the_buyer_adds_staff_and_an_invited_expert(personas, opened, evaluators):
    femi, eve = evaluators
    assert (femi.user, femi.kind, femi.added_by) == (
        personas["frontline"],
        "staff",
        personas["buyer"],
    )
    assert (eve.user, eve.kind) == (personas["evaluator"], "expert")
    assert selectors.panel(personas["buyer"], opened) == [femi, eve]
    assert AuditEvent.objects.filter(action="evaluation.evaluator_added").count() == 2


def test_an_organisation_admin_of_the_buyer_also_runs_the_panel(personas, opened):
    # processes.rules: buyer officers *and admins* of the buying organisation run a process.
    made = services.evaluator_add(
        actor=personas["org_admin"], process=opened, user=personas["evaluator"], kind="expert"
    )
    assert made.added_by == personas["org_admin"]


@pytest.mark.parametrize("who", NOT_RUNNERS)
def test_nobody_else_adds_evaluators(personas, opened, who):
    with pytest.raises(PermissionDenied):
        services.evaluator_add(
            actor=personas[who], process=opened, user=personas["evaluator"], kind="expert"
        )
    assert not Evaluator.objects.exists()


def test_staff_must_belong_to_the_buying_organisation(personas, opened):
    for outsider in ("evaluator", "other_buyer", "resident"):
        with pytest.raises(ValidationError, match="not on the staff of Riverside"):
            services.evaluator_add(
                actor=personas["buyer"], process=opened, user=personas[outsider], kind="staff"
            )
    # A council member of any role may sit as staff: a new officer, say.
    newcomer = User.objects.create_user("kim@example.org", "persona-password-123", name="Kim Lo")
    Membership.objects.create(
        user=newcomer, organisation=personas["council"], role=Membership.Role.FRONTLINE
    )
    made = services.evaluator_add(
        actor=personas["buyer"], process=opened, user=newcomer, kind="staff"
    )
    assert made.kind == "staff"


@pytest.mark.parametrize("kind", ["staff", "expert"])
def test_supplier_staff_can_never_evaluate(personas, opened, rival, kind):
    for who in ("supplier", "rival"):
        with pytest.raises(ValidationError):
            services.evaluator_add(
                actor=personas["buyer"], process=opened, user=personas[who], kind=kind
            )
    # Not even someone on the council's staff who also works for a supplier.
    Membership.objects.create(
        user=personas["supplier"], organisation=personas["council"], role="frontline"
    )
    with pytest.raises(ValidationError, match="works for a supplier"):
        services.evaluator_add(
            actor=personas["buyer"], process=opened, user=personas["supplier"], kind="staff"
        )
    assert not Evaluator.objects.exists()


def test_nobody_sits_on_a_panel_twice(personas, opened, evaluators):
    with pytest.raises(ValidationError, match="already on the panel"):
        services.evaluator_add(
            actor=personas["buyer"], process=opened, user=personas["evaluator"], kind="expert"
        )
    assert Evaluator.objects.filter(user=personas["evaluator"]).count() == 1


def test_an_unknown_kind_is_refused(personas, opened):
    with pytest.raises(ValidationError, match="Choose staff or invited expert"):
        services.evaluator_add(
            actor=personas["buyer"], process=opened, user=personas["evaluator"], kind="judge"
        )


# Declarations ---------------------------------------------------------------------------------


def test_an_evaluator_declares_once_per_submission(personas, evaluators, sam_sub):
    made = services.declare(actor=personas["evaluator"], submission=sam_sub, has_conflict=False)
    assert made.evaluator == evaluators[1] and made.has_conflict is False
    with pytest.raises(ValidationError, match="already declared"):
        services.declare(
            actor=personas["evaluator"],
            submission=sam_sub,
            has_conflict=True,
            details="On second thoughts",
        )
    assert Declaration.objects.get().has_conflict is False
    assert AuditEvent.objects.filter(action="evaluation.declared").count() == 1


@pytest.mark.parametrize("who", NOT_ON_PANEL)
def test_only_the_panel_declares(personas, evaluators, sam_sub, who):
    with pytest.raises(PermissionDenied):
        services.declare(actor=personas[who], submission=sam_sub, has_conflict=False)
    assert not Declaration.objects.exists()


def test_a_conflict_needs_its_details(personas, evaluators, sam_sub):
    for details in ("", "   "):
        with pytest.raises(ValidationError, match="Describe the conflict"):
            services.declare(
                actor=personas["evaluator"], submission=sam_sub, has_conflict=True, details=details
            )
    assert not Declaration.objects.exists()


def test_declarations_come_only_after_opening(personas, tender, submit, clock):
    services.evaluator_add(
        actor=personas["buyer"], process=tender, user=personas["evaluator"], kind="expert"
    )
    sealed = submit(tender)
    with pytest.raises(PermissionDenied, match="not been opened"):
        services.declare(actor=personas["evaluator"], submission=sealed, has_conflict=False)
    with pytest.raises(PermissionDenied):
        selectors.answers_for(personas["evaluator"], sealed)
    assert not Declaration.objects.exists()


def test_a_declared_conflict_takes_the_evaluator_off_that_submission(
    personas, evaluators, sam_sub, rhys_sub, quality
):
    services.declare(
        actor=personas["evaluator"],
        submission=sam_sub,
        has_conflict=True,
        details="I advised Patel Mobility Co-operative last year.",
    )
    services.declare(actor=personas["evaluator"], submission=rhys_sub, has_conflict=False)
    with pytest.raises(PermissionDenied):
        selectors.answers_for(personas["evaluator"], sam_sub)
    with pytest.raises(PermissionDenied, match="declared a conflict"):
        _score(personas, "evaluator", sam_sub, quality, "7")
    assert selectors.answers_for(personas["evaluator"], rhys_sub)
    _score(personas, "evaluator", rhys_sub, quality, "7")
    # Only the cleared response is listed to score, under its neutral label.
    [row] = selectors.assignments(evaluators[1], sam_sub.phase)
    assert row.submission == rhys_sub and row.scored == 1 and row.criteria == 2
    assert row.label == selectors.labels(sam_sub.phase)[rhys_sub.pk]
    bidders = {b.organisation: b for b in selectors.bidders(evaluators[1], sam_sub.phase)}
    assert bidders[personas["coop"]].has_conflict and not bidders[personas["bigco"]].has_conflict
    assert Declaration.objects.get(submission=sam_sub).details.startswith("I advised")


def test_responses_appear_under_labels_only_once_every_supplier_is_declared_on(
    personas, evaluators, sam_sub, rhys_sub
):
    evaluator = evaluators[1]
    assert selectors.assignments(evaluator, sam_sub.phase) == []
    services.declare_organisations(
        actor=personas["evaluator"],
        process=sam_sub.phase.process,
        answers={personas["coop"].pk: (False, "")},
    )
    assert selectors.assignments(evaluator, sam_sub.phase) == []  # one still to declare on
    services.declare_organisations(
        actor=personas["evaluator"],
        process=sam_sub.phase.process,
        answers={personas["bigco"].pk: (False, "")},
    )
    listed = selectors.assignments(evaluator, sam_sub.phase)
    assert [a.label for a in listed] == ["A", "B"]
    # The letters follow the random public references, not the names or the order of bidding.
    by_ref = sorted([sam_sub, rhys_sub], key=lambda s: s.public_id)
    assert [a.submission for a in listed] == by_ref


def test_declaring_on_several_suppliers_is_all_or_nothing(personas, evaluators, sam_sub):
    with pytest.raises(ValidationError, match="only on the suppliers who submitted"):
        services.declare_organisations(
            actor=personas["evaluator"],
            process=sam_sub.phase.process,
            answers={personas["coop"].pk: (False, ""), personas["trust"].pk: (False, "")},
        )
    with pytest.raises(ValidationError):
        services.declare_organisations(
            actor=personas["evaluator"],
            process=sam_sub.phase.process,
            answers={personas["coop"].pk: (True, "")},  # a conflict needs details
        )
    assert not Declaration.objects.exists()


def test_labels_run_a_to_z_then_aa():
    assert [selectors.label(n) for n in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_an_evaluator_reads_and_scores_nothing_before_declaring(
    personas, evaluators, sam_sub, quality
):
    with pytest.raises(PermissionDenied, match="Declare"):
        selectors.answers_for(personas["evaluator"], sam_sub)
    with pytest.raises(PermissionDenied, match="Declare"):
        _score(personas, "evaluator", sam_sub, quality, "5")
    assert not Score.objects.exists()


@pytest.mark.parametrize("who", NOT_ON_PANEL)
def test_nobody_off_the_panel_reads_answers_to_score(personas, declared, sam_sub, who):
    with pytest.raises(PermissionDenied):
        selectors.answers_for(personas[who], sam_sub)


# Blinding and parroting -----------------------------------------------------------------------


def test_answers_are_blind_for_quality_and_social_value(personas, declared, sam_sub, rhys_sub):
    answers = selectors.answers_for(personas["evaluator"], sam_sub)
    assert [a.criterion.kind for a in answers] == ["quality", "social_value"]  # no price
    for answer in answers:
        assert answer.blinded
        assert "Patel" not in answer.html  # the name and its member's surname
        assert "Sam" not in answer.html
        assert blinding.PLACEHOLDER in answer.html
        assert "has run this for years" in answer.html
    (rival_answer, _) = selectors.answers_for(personas["evaluator"], rhys_sub)
    assert "Northgate" not in rival_answer.html
    assert rival_answer.html.startswith(blinding.PLACEHOLDER)


def test_unblinding_a_criterion_shows_the_name_for_it_alone(
    personas, declared, sam_sub, quality, social
):
    made = services.unblind(
        actor=personas["buyer"], criterion=quality, reason="Track record is part of quality here."
    )
    assert made.reason == "Track record is part of quality here."
    by_kind = {a.criterion.kind: a for a in selectors.answers_for(personas["evaluator"], sam_sub)}
    assert by_kind["quality"].blinded is False
    assert "Patel Mobility Co-operative has run this for years" in by_kind["quality"].html
    assert by_kind["social_value"].blinded is True
    assert "Patel" not in by_kind["social_value"].html
    assert AuditEvent.objects.filter(action="evaluation.unblinded").count() == 1


def test_unblinding_needs_a_runner_a_reason_and_no_scores_yet(
    personas, declared, sam_sub, quality, social, price
):
    for who in NOT_RUNNERS:
        with pytest.raises(PermissionDenied):
            services.unblind(actor=personas[who], criterion=quality, reason="Because")
    with pytest.raises(ValidationError, match="Enter the reason"):
        services.unblind(actor=personas["buyer"], criterion=quality, reason="  ")
    with pytest.raises(ValidationError, match="Price"):
        services.unblind(actor=personas["buyer"], criterion=price, reason="Because")
    _score(personas, "evaluator", sam_sub, social, "6")
    with pytest.raises(ValidationError, match="Scoring has started"):
        services.unblind(actor=personas["buyer"], criterion=social, reason="Because")
    services.unblind(actor=personas["buyer"], criterion=quality, reason="Track record")
    with pytest.raises(ValidationError, match="already off"):
        services.unblind(actor=personas["buyer"], criterion=quality, reason="Again")


def test_echoes_of_the_specification_are_highlighted(personas, declared, sam_sub, rhys_sub):
    (answer, _) = selectors.answers_for(personas["evaluator"], sam_sub)
    # The copied sentence is marked (up to its full stop, which is not a word).
    assert f'<mark class="ob-echo">{COPIED.rstrip(".")}</mark>' in answer.html
    assert answer.html.count("<mark") == 1
    assert answer.echo.spans and 0 < answer.echo.share < 1
    assert answer.echo_summary.startswith(f"{round(answer.echo.share * 100)}% ")
    assert f"cover {answer.echo.echoed_words} of its {answer.echo.total_words} words" in (
        answer.echo_summary
    )
    assert "repeat the specification" in answer.echo_summary
    (plain, _) = selectors.answers_for(personas["evaluator"], rhys_sub)
    assert "<mark" not in plain.html
    assert plain.echo_summary.startswith("None of this response")


# Scores ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "10", "7.5", 3, Decimal("4.0")])
def test_scores_are_whole_or_half_points_on_the_scale(personas, declared, sam_sub, quality, value):
    made = _score(personas, "frontline", sam_sub, quality, value)
    assert made.score == Decimal(str(value))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("11", "from 0 to 10"),
        ("-1", "from 0 to 10"),
        ("7.25", "whole or half"),
        ("7.3", "whole or half"),
        ("0.1", "whole or half"),
        ("abc", "as a number"),
        ("", "as a number"),
        ("NaN", "from 0 to 10"),
        ("Infinity", "from 0 to 10"),
    ],
)
def test_scores_off_the_scale_are_refused(personas, declared, sam_sub, quality, value, message):
    with pytest.raises(ValidationError, match=message):
        _score(personas, "frontline", sam_sub, quality, value)
    assert not Score.objects.exists()


def test_a_score_needs_a_justification(personas, declared, sam_sub, quality):
    with pytest.raises(ValidationError, match="Enter the justification"):
        _score(personas, "frontline", sam_sub, quality, "5", why="  ")


def test_price_is_scored_by_formula_not_by_evaluators(personas, declared, sam_sub, price):
    with pytest.raises(ValidationError, match="Price is scored by formula"):
        _score(personas, "frontline", sam_sub, price, "5")


def test_a_criterion_of_another_process_is_refused(personas, declared, sam_sub, frozen_spec):
    from openbuy.processes import services as process_services

    other = process_services.process_create(
        actor=personas["buyer"], specification=frozen_spec, kind="tender", title="Another"
    )
    foreign = other.criteria.get(kind="quality")
    with pytest.raises(ValidationError, match="not one of this process"):
        _score(personas, "frontline", sam_sub, foreign, "5")


def test_changing_a_score_keeps_one_row(personas, declared, sam_sub, quality, clock):
    first = _score(personas, "frontline", sam_sub, quality, "5", why="First reading")
    clock.shift(3600)
    again = _score(personas, "frontline", sam_sub, quality, "6.5", why="Second reading")
    assert again.pk == first.pk
    kept = Score.objects.get()
    assert (kept.score, kept.justification) == (Decimal("6.5"), "Second reading")
    assert kept.updated_at > kept.scored_at
    events = AuditEvent.objects.filter(action="evaluation.scored").order_by("id")
    assert [e.is_public for e in events] == [False, False]
    # Site admins read private events and are not on the panel: no value or reason in the log.
    for event in events:
        assert "6.5" not in str(event.changes) and "5.00" not in str(event.changes)
        assert "reading" not in str(event.changes) and "reading" not in event.summary


@pytest.mark.parametrize("who", NOT_ON_PANEL)
def test_nobody_off_the_panel_scores(personas, declared, sam_sub, quality, who):
    # Including the buyer's own officers: they run the panel and see its scores, but do not score.
    with pytest.raises(PermissionDenied):
        _score(personas, who, sam_sub, quality, "5")
    assert not Score.objects.exists()


# Moderation and results -----------------------------------------------------------------------


def test_a_disagreement_leaves_the_total_missing_until_moderated(
    personas, declared, sam_sub, rhys_sub, quality, social
):
    _score(personas, "frontline", sam_sub, quality, "3")
    _score(personas, "evaluator", sam_sub, quality, "8")
    for who in ("frontline", "evaluator"):
        _score(personas, who, sam_sub, social, "6")

    results = selectors.results(personas["buyer"], sam_sub.phase)
    row = _row(_result(results, sam_sub), quality)
    assert row.spread == Decimal(5) and row.disagrees is True
    assert row.agreed is None and row.moderation is None
    total = _result(results, sam_sub).total
    assert total.total is None and total.missing == (str(quality.number),)

    # Only the buyer's runners moderate, and only where the panel disagrees.
    for who in NOT_RUNNERS:
        with pytest.raises(PermissionDenied):
            services.moderate(
                actor=personas[who], submission=sam_sub, criterion=quality, score="6", reason="x"
            )
    with pytest.raises(ValidationError, match="do not disagree"):
        services.moderate(
            actor=personas["buyer"], submission=sam_sub, criterion=social, score="6", reason="x"
        )
    with pytest.raises(ValidationError, match="Enter the reason"):
        services.moderate(
            actor=personas["buyer"], submission=sam_sub, criterion=quality, score="6", reason=""
        )
    with pytest.raises(ValidationError, match="from 0 to 10"):
        services.moderate(
            actor=personas["buyer"], submission=sam_sub, criterion=quality, score="12", reason="x"
        )
    services.moderate(
        actor=personas["buyer"],
        submission=sam_sub,
        criterion=quality,
        score="6",
        reason="The panel met: the plan is sound but thin on staffing.",
    )
    assert Moderation.objects.get().score == Decimal(6)
    logged = AuditEvent.objects.get(action="evaluation.moderated")
    assert not logged.is_public and "staffing" not in str(logged.changes)

    results = selectors.results(personas["buyer"], sam_sub.phase)
    row = _row(_result(results, sam_sub), quality)
    assert row.agreed == Decimal(6) and row.moderation.reason.startswith("The panel met")
    assert row.disagrees is True  # the spread is still on the record
    # price 1000 vs the lowest 800 scores 8.00; 60*6/10 + 30*8/10 + 10*6/10
    assert _result(results, sam_sub).total.total == Decimal("66.00")


def test_results_total_and_rank_with_one_scoring_function(
    personas, declared, sam_sub, rhys_sub, quality, social, price, opened
):
    given = {
        (sam_sub, quality): ("7", "8"),  # mean 7.5
        (sam_sub, social): ("9", "9.5"),  # mean 9.25
        (rhys_sub, quality): ("6", "6"),
        (rhys_sub, social): ("4", "5"),  # mean 4.5
    }
    for (submission, criterion), (femi, eve) in given.items():
        _score(personas, "frontline", submission, criterion, femi)
        _score(personas, "evaluator", submission, criterion, eve)

    results = selectors.results(personas["buyer"], opened.phase)
    sam, rhys = _result(results, sam_sub), _result(results, rhys_sub)

    # Price by formula: the lowest price (Northgate's 800) gets the top of the scale.
    assert rhys.price_score == Decimal("10.00")
    assert sam.price_score == Decimal("8.00")  # 10 * 800 / 1000

    scheme = [
        scoring.Weighted(str(quality.number), 60),
        scoring.Weighted(str(price.number), 30, is_price=True),
        scoring.Weighted(str(social.number), 10),
    ]
    by_hand = scoring.final_score(
        {
            str(quality.number): Decimal("7.5"),
            str(price.number): Decimal("8"),
            str(social.number): Decimal("9.25"),
        },
        scheme,
        Decimal(10),
    )
    assert sam.total.total == by_hand.total == Decimal("78.25")  # 45 + 24 + 9.25
    assert rhys.total.total == Decimal("70.50")  # 36 + 30 + 4.5
    assert (sam.place.position, rhys.place.position) == (1, 2)
    assert not sam.place.tied
    assert [c.agreed for c in sam.criteria] == [Decimal("7.5"), Decimal("9.25")]


def test_a_submission_with_a_criterion_unscored_has_no_total_and_ranks_last(
    personas, declared, sam_sub, rhys_sub, quality, social, opened
):
    for who in ("frontline", "evaluator"):
        _score(personas, who, sam_sub, quality, "5")
        _score(personas, who, sam_sub, social, "5")
        _score(personas, who, rhys_sub, quality, "5")
    results = selectors.results(personas["buyer"], opened.phase)
    rhys = _result(results, rhys_sub)
    assert rhys.total.total is None and rhys.total.missing == (str(social.number),)
    assert rhys.place.position is None
    assert _result(results, sam_sub).place.position == 1


@pytest.mark.parametrize("who", ["buyer", "org_admin", "frontline"])
def test_the_panel_and_the_buyer_see_the_scores(personas, declared, sam_sub, quality, who):
    _score(personas, "frontline", sam_sub, quality, "5")
    results = selectors.results(personas[who], sam_sub.phase)
    assert _row(_result(results, sam_sub), quality).scores[0].score == Decimal(5)
    assert selectors.panel(personas[who], sam_sub.phase.process)


def test_an_evaluator_sees_the_panel_scores_only_where_declared_without_conflict(
    personas, evaluators, sam_sub, rhys_sub, quality
):
    services.declare(actor=personas["frontline"], submission=sam_sub, has_conflict=False)
    services.declare(actor=personas["frontline"], submission=rhys_sub, has_conflict=False)
    _score(personas, "frontline", sam_sub, quality, "4", why="Thin on staffing")
    _score(personas, "frontline", rhys_sub, quality, "6", why="Solid")
    # Eve has declared nothing yet: none of the panel's reasons.
    assert selectors.results(personas["evaluator"], sam_sub.phase) == []
    services.declare(
        actor=personas["evaluator"], submission=sam_sub, has_conflict=True, details="Ex-member"
    )
    services.declare(actor=personas["evaluator"], submission=rhys_sub, has_conflict=False)
    seen = selectors.results(personas["evaluator"], sam_sub.phase)
    assert [r.submission for r in seen] == [rhys_sub]
    # The buyer sees both; Femi, cleared for both, too.
    for who in ("buyer", "frontline"):
        assert len(selectors.results(personas[who], sam_sub.phase)) == 2


def test_evaluators_score_independently_until_the_scores_are_public(
    personas, declared, sam_sub, quality
):
    _score(personas, "frontline", sam_sub, quality, "3", why="FEMI-REASON")
    _score(personas, "evaluator", sam_sub, quality, "8", why="EVE-REASON")
    eve = _row(_result(selectors.results(personas["evaluator"], sam_sub.phase), sam_sub), quality)
    assert [s.justification for s in eve.scores] == ["EVE-REASON"]
    assert eve.moderation is None
    buyer = _row(_result(selectors.results(personas["buyer"], sam_sub.phase), sam_sub), quality)
    assert {s.justification for s in buyer.scores} == {"FEMI-REASON", "EVE-REASON"}
    assert buyer.disagrees


@pytest.mark.parametrize("who", [*OUTSIDERS, "anonymous"])
def test_scores_are_invisible_outside_the_panel(personas, declared, sam_sub, quality, who):
    _score(personas, "frontline", sam_sub, quality, "5")
    viewer = AnonymousUser() if who == "anonymous" else personas[who]
    with pytest.raises(PermissionDenied):
        selectors.results(viewer, sam_sub.phase)
    with pytest.raises(PermissionDenied):
        selectors.panel(viewer, sam_sub.phase.process)
    assert selectors.related_block(sam_sub.phase.process, viewer) is None


def test_scores_and_declarations_stay_out_of_the_public_record(
    personas, declared, sam_sub, quality
):
    _score(personas, "frontline", sam_sub, quality, "5")
    for action in ("evaluation.declared", "evaluation.scored", "evaluation.evaluator_added"):
        events = AuditEvent.objects.filter(action=action)
        assert events.exists()
        assert not events.filter(is_public=True).exists()
