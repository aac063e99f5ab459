import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from openbuy.audit.models import AuditEvent
from openbuy.audit.services import verify_chain
from openbuy.needs import selectors, services
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Need, Support


def test_areas_are_the_cpv_divisions(db):
    """The data migration's own function, on an empty table: not the table as this worker's
    earlier tests left it (a transactional test empties every table, migrated rows included)."""
    from importlib import import_module

    from django.apps import apps

    seeding = import_module("openbuy.needs.migrations.0002_seed_cpv_areas")
    Area.objects.all().delete()
    seeding.seed(apps, None)
    seeding.seed(apps, None)  # idempotent
    assert Area.objects.count() == 45
    assert Area.objects.filter(code="CPV 85000000-9").exists()


def test_raising_a_need_is_audited_and_notes_the_frontline(raise_need, personas):
    need = raise_need(who="frontline")
    assert need.author_is_frontline
    assert need.status == Need.Status.OPEN
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "need.raised" and event.is_public


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"affects": " "}, "affects"),
        ({"description": ""}, "description"),
        ({"area": "not-an-area"}, "area"),
        ({"organisation": "patel-mobility-co-operative"}, "organisation"),
        ({"evidence": "https://example.org/report\nnot a link"}, "evidence"),
    ],
)
def test_bad_needs_are_refused_naming_the_field(raise_need, extra, field):
    with pytest.raises(ValidationError) as caught:
        raise_need(**extra)
    assert field in caught.value.message_dict
    assert not Need.objects.exists()


def test_anonymous_cannot_raise(area, db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.need_raise(
            actor=AnonymousUser(), title="x", description="y", affects="z", area=area
        )


def test_supports_count_once_per_person_and_split_frontline(raise_need, personas):
    need = raise_need()
    assert services.need_support(actor=personas["resident"], need=need) is True
    assert services.need_support(actor=personas["resident"], need=need) is False
    assert services.need_support(actor=personas["frontline"], need=need) is True
    need.refresh_from_db()
    assert (need.support_count, need.frontline_support_count) == (2, 1)
    assert services.need_unsupport(actor=personas["frontline"], need=need) is True
    assert services.need_unsupport(actor=personas["frontline"], need=need) is False
    need.refresh_from_db()
    assert (need.support_count, need.frontline_support_count) == (1, 0)


def test_threshold_sets_a_due_date_and_overdue_needs_are_listed(
    raise_need, personas, low_threshold, clock
):
    need = raise_need()
    services.need_support(actor=personas["resident"], need=need)
    need.refresh_from_db()
    assert need.answer_due_at is None
    services.need_support(actor=personas["supplier"], need=need)
    need.refresh_from_db()
    assert need.answer_due_at == need.threshold_reached_at + timedelta(days=14)
    assert list(selectors.needs_awaiting_answer()) == [need]
    assert list(selectors.overdue_needs()) == []
    clock.shift(timedelta(days=15))
    assert list(selectors.overdue_needs()) == [need]
    services.need_answer(
        actor=personas["buyer"],
        need=need,
        status="considering",
        reason="We are looking at lift contracts.",
    )
    assert list(selectors.overdue_needs()) == []


def test_buyer_answers_and_every_change_is_kept(raise_need, personas):
    need = raise_need()
    services.need_answer(
        actor=personas["buyer"], need=need, status="considering", reason="Looking into it"
    )
    services.need_answer(
        actor=personas["buyer"],
        need=need,
        status="declined",
        reason="Network Rail owns the lift, not the council.",
    )
    need.refresh_from_db()
    assert need.status == "declined"
    assert [(a.from_status, a.to_status) for a in need.answers.all()] == [
        ("open", "considering"),
        ("considering", "declined"),
    ]
    with pytest.raises(ValidationError):
        services.need_support(actor=personas["resident"], need=need)
    with pytest.raises(ValidationError, match="cannot be marked"):
        services.need_answer(actor=personas["buyer"], need=need, status="adopted", reason="x")
    assert verify_chain().ok


@pytest.mark.parametrize(
    "who", ["resident", "frontline", "supplier", "other_buyer", "moderator", "evaluator"]
)
def test_only_the_addressed_buyer_answers(raise_need, personas, who):
    need = raise_need()
    with pytest.raises(PermissionDenied):
        services.need_answer(actor=personas[who], need=need, status="considering", reason="x")


def test_an_unaddressed_need_is_answered_by_any_buyer_for_their_organisation(raise_need, personas):
    need = raise_need(organisation=None)
    services.need_answer(
        actor=personas["other_buyer"],
        need=need,
        status="considering",
        reason="The trust will look at this.",
    )
    need.refresh_from_db()
    assert need.organisation == personas["trust"]


@pytest.mark.parametrize(
    ("status", "extra", "field"),
    [
        ("declined", {"reason": ""}, "reason"),
        ("solved", {"reason": "Done already"}, "link_url"),
        ("duplicate", {"reason": "Same"}, "duplicate_of"),
        ("duplicate", {"reason": "Same", "duplicate_of": 999999}, "duplicate_of"),
        ("nonsense", {"reason": "x"}, "status"),
        ("adopted", {"reason": "x", "link_url": "javascript:alert(1)"}, "link_url"),
    ],
)
def test_bad_answers_are_refused_naming_the_field(raise_need, personas, status, extra, field):
    need = raise_need()
    with pytest.raises(ValidationError) as caught:
        services.need_answer(actor=personas["buyer"], need=need, status=status, **extra)
    assert field in caught.value.message_dict
    need.refresh_from_db()
    assert need.status == "open" and not need.answers.exists()


def test_duplicates_point_at_the_original_and_keep_their_supports(raise_need, personas):
    original = raise_need("Riverside station lift broken")
    copy = raise_need("Lift at Riverside station out of order")
    third = raise_need("Station lift still broken")
    services.need_support(actor=personas["supplier"], need=copy)
    services.need_answer(
        actor=personas["buyer"],
        need=copy,
        status="duplicate",
        reason="Same problem",
        duplicate_of=original.pk,
    )
    services.need_answer(
        actor=personas["buyer"],
        need=third,
        status="duplicate",
        reason="Same problem",
        duplicate_of=copy,
    )
    third.refresh_from_db()
    assert third.duplicate_of == original  # followed to the original
    assert Support.objects.filter(need=copy).count() == 1  # never moved without consent
    with pytest.raises(ValidationError):
        services.need_answer(
            actor=personas["buyer"],
            need=original,
            status="duplicate",
            reason="x",
            duplicate_of=original.pk,
        )


def test_similar_needs_are_found_by_title(raise_need):
    target = raise_need("Broken lift at Riverside station")
    raise_need("Potholes on Mill Lane")
    found = selectors.similar_needs("Riverside station lift is broken again")
    assert found == [target]
    assert selectors.similar_needs("") == []


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_supporting_and_unsupporting_leave_an_exact_count():
    from django.db import close_old_connections

    from openbuy.accounts.models import User
    from openbuy.demo.personas import create_personas

    personas = create_personas(password="x" * 12)
    load_cpv_divisions(Area)
    need = services.need_raise(
        actor=personas["resident"],
        title="Lift",
        description="Broken",
        affects="Everyone",
        area=Area.objects.first(),
        organisation=personas["council"],
    )
    users = [
        User.objects.create_user(f"u{i}@example.org", "x" * 12, name=f"U {i}") for i in range(20)
    ]
    barrier = threading.Barrier(20)
    errors = []

    def worker(user, index):
        try:
            barrier.wait()
            for _ in range(3):  # support twice (the second is a no-op), and for some withdraw
                services.need_support(actor=user, need=need)
                services.need_support(actor=user, need=need)
                if index % 2:
                    services.need_unsupport(actor=user, need=need)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(u, i)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    need.refresh_from_db()
    assert need.support_count == Support.objects.filter(need=need).count() == 10
    assert verify_chain().ok


def test_supporters_of_a_duplicate_move_in_one_step_only_when_they_ask(raise_need, personas):
    original = raise_need("Riverside station lift broken")
    copy = raise_need("Lift at Riverside station out of order")
    services.need_support(actor=personas["supplier"], need=copy)
    services.need_support(actor=personas["evaluator"], need=copy)
    with pytest.raises(ValidationError, match="not a duplicate"):
        services.need_move_support(actor=personas["supplier"], need=copy)
    services.need_answer(
        actor=personas["buyer"],
        need=copy,
        status="duplicate",
        reason="Same problem",
        duplicate_of=original,
    )
    assert services.need_move_support(actor=personas["supplier"], need=copy) == original
    copy.refresh_from_db()
    original.refresh_from_db()
    assert (copy.support_count, original.support_count) == (1, 1)
    with pytest.raises(ValidationError, match="do not support"):
        services.need_move_support(actor=personas["resident"], need=copy)


def test_a_vote_budget_limits_active_supports_and_closing_gives_them_back(
    raise_need, personas, low_threshold
):
    low_threshold.support_threshold = 100
    low_threshold.vote_budget = 2
    low_threshold.save()
    needs = [raise_need(f"Need {i}") for i in range(3)]
    elsewhere = raise_need("Trust need", organisation=personas["trust"])
    services.need_support(actor=personas["supplier"], need=needs[0])
    services.need_support(actor=personas["supplier"], need=needs[1])
    with pytest.raises(ValidationError, match="as many as it allows"):
        services.need_support(actor=personas["supplier"], need=needs[2])
    assert services.need_support(actor=personas["supplier"], need=elsewhere)  # other budget
    services.need_answer(
        actor=personas["buyer"], need=needs[0], status="declined", reason="Not ours"
    )
    assert services.need_support(actor=personas["supplier"], need=needs[2])
