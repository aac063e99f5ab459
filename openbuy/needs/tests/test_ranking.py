"""Pairwise ranking rounds: adaptive pairs, honest scores, frontline and residents apart."""

import random
from itertools import combinations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openbuy.accounts.models import User
from openbuy.needs import ranking
from openbuy.needs.models import Comparison


@pytest.fixture
def five(raise_need, bulk_posting):
    return [raise_need(f"Need {i}") for i in range(5)]


@pytest.fixture
def round_(personas, five):
    return ranking.round_open(
        actor=personas["buyer"],
        organisation=personas["council"],
        title="Winter priorities",
        needs=five,
    )


@pytest.mark.parametrize("who", ["resident", "frontline", "supplier", "other_buyer", "moderator"])
def test_only_the_buyer_opens_a_round(personas, five, who):
    with pytest.raises(PermissionDenied):
        ranking.round_open(
            actor=personas[who], organisation=personas["council"], title="x", needs=five
        )


def test_bad_rounds_name_the_field(personas, five, raise_need):
    with pytest.raises(ValidationError) as caught:
        ranking.round_open(
            actor=personas["buyer"], organisation=personas["council"], title="", needs=five[:1]
        )
    assert {"title", "needs"} <= set(caught.value.message_dict)
    other = raise_need("Trust need", organisation=personas["trust"])
    with pytest.raises(ValidationError, match="addressed to your organisation"):
        ranking.round_open(
            actor=personas["buyer"],
            organisation=personas["council"],
            title="x",
            needs=[five[0], other],
        )


def test_pairs_cover_every_need_evenly_and_never_repeat(personas, round_):
    rng = random.Random(7)
    seen = []
    while (pair := ranking.next_pair(round_, personas["resident"], rng=rng)) is not None:
        left, right = pair
        ranking.compare(
            actor=personas["resident"], ranking=round_, left=left, right=right, winner=left
        )
        seen.append(tuple(sorted((left.pk, right.pk))))
    assert len(seen) == len(set(seen)) == 10  # all C(5, 2) pairs, once each
    # A second person starts with the pairs that have fewest answers: all equal now, so any.
    first_pairs = []
    for _ in range(5):
        left, right = ranking.next_pair(round_, personas["supplier"], rng=rng)
        ranking.compare(
            actor=personas["supplier"], ranking=round_, left=left, right=right, winner=None
        )
        first_pairs.extend([left.pk, right.pk])
    assert len(set(first_pairs)) == 5  # five pairs already touch every need


def test_scores_are_smoothed_win_rates_split_by_voice(personas, round_, five):
    best, second, *_ = five
    ranking.compare(
        actor=personas["frontline"], ranking=round_, left=best, right=second, winner=best
    )
    ranking.compare(
        actor=personas["resident"], ranking=round_, left=second, right=best, winner=second
    )
    ranking.compare(
        actor=personas["supplier"], ranking=round_, left=best, right=five[2], winner=best
    )
    result = ranking.scores(round_)
    top = result["all"][0]
    assert top.need == best and top.wins == 2 and top.losses == 1
    assert top.score == round(100 * 3 / 5, 1)
    assert result["frontline"][0].need == best
    assert result["residents"][0].score == round(100 * 2 / 3, 1)
    untouched = [s for s in result["all"] if s.comparisons == 0]
    assert {s.score for s in untouched} == {50.0}


def test_bad_answers_are_refused(personas, round_, five, raise_need):
    other = raise_need("Not in the round")
    with pytest.raises(ValidationError):
        ranking.compare(
            actor=personas["resident"], ranking=round_, left=five[0], right=other, winner=other
        )
    with pytest.raises(ValidationError):
        ranking.compare(
            actor=personas["resident"], ranking=round_, left=five[0], right=five[1], winner=five[2]
        )
    ranking.compare(
        actor=personas["resident"], ranking=round_, left=five[0], right=five[1], winner=five[1]
    )
    with pytest.raises(ValidationError, match="already answered"):
        ranking.compare(
            actor=personas["resident"], ranking=round_, left=five[1], right=five[0], winner=five[0]
        )
    ranking.round_close(actor=personas["buyer"], ranking=round_)
    with pytest.raises(ValidationError, match="closed"):
        ranking.compare(
            actor=personas["resident"], ranking=round_, left=five[2], right=five[3], winner=None
        )
    assert Comparison.objects.count() == 1


def test_round_pages(client, personas, round_, five):
    url = reverse("needs:round", args=[round_.pk])
    html = client.get(url).content.decode()
    assert "Winter priorities" in html and "Sign in to take part" in html
    client.force_login(personas["frontline"])
    html = client.get(url).content.decode()
    assert "Which of these matters more?" in html and "I can't decide" in html
    response = client.post(
        reverse("needs:round-compare", args=[round_.pk]),
        {"left": five[0].pk, "right": five[1].pk, "choice": five[0].pk},
    )
    assert response.status_code == 302
    assert Comparison.objects.get().is_frontline
    response = client.post(
        reverse("needs:round-compare", args=[round_.pk]),
        {"left": "x", "right": five[1].pk, "choice": "skip"},
        follow=True,
    )
    assert "That pair is not part of this round." in response.content.decode()
    assert client.get(reverse("needs:rounds")).status_code == 200
    client.force_login(personas["buyer"])
    page = client.get(reverse("needs:round-create", args=["riverside-borough-council"]))
    assert page.status_code == 200
    client.force_login(personas["resident"])
    page = client.get(reverse("needs:round-create", args=["riverside-borough-council"]))
    assert page.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_many_people_answering_at_once_lose_nothing(personas, five, round_):
    import threading

    from django.db import connection

    voters = [
        User.objects.create_user(f"v{i}@example.org", "x" * 12, name=f"V {i}") for i in range(8)
    ]
    pairs = list(combinations(five, 2))
    errors = []

    def vote(user):
        try:
            for left, right in pairs:
                ranking.compare(actor=user, ranking=round_, left=left, right=right, winner=left)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(u,)) for u in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Comparison.objects.count() == 8 * 10


def test_ranking_api(client, personas, round_):
    assert client.get(f"/api/v1/rankings/{round_.pk}/pair").status_code == 401
    client.force_login(personas["resident"])
    for _ in range(10):
        pair = client.get(f"/api/v1/rankings/{round_.pk}/pair").json()
        left, right = pair["left"]["id"], pair["right"]["id"]
        response = client.post(
            f"/api/v1/rankings/{round_.pk}/comparisons",
            {"left": left, "right": right, "winner": left},
            content_type="application/json",
        )
        assert response.status_code == 201
    assert client.get(f"/api/v1/rankings/{round_.pk}/pair").status_code == 204
    response = client.post(
        f"/api/v1/rankings/{round_.pk}/comparisons",
        {"left": left, "right": right, "winner": 999},
        content_type="application/json",
    )
    assert response.status_code == 422
    client.logout()
    body = client.get(f"/api/v1/rankings/{round_.pk}").json()
    assert sum(s["comparisons"] for s in body["scores"]["all"]) == 20
