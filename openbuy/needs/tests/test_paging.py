"""The needs and ideas lists page by sorting keys first (openbuy.paginator): every page must hold
the rows Django's own paginator gives, in the same order, for every sort and every visitor."""

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from openbuy.needs import selectors, services
from openbuy.needs.models import Need
from openbuy.paginator import KeysFirstPaginator


@pytest.fixture
def listed(personas, raise_need, bulk_posting):
    needs = [raise_need(f"Need number {i}") for i in range(23)]
    # Ties on purpose (the order falls back to the id), and a need the resident supports.
    for i, need in enumerate(needs):
        Need.objects.filter(pk=need.pk).update(support_count=i % 4, hot_score=float(i % 3))
    services.need_support(actor=personas["resident"], need=needs[5])
    raise_need("By an account blocked later", who="supplier")
    personas["supplier"].blocked_at = timezone.now()
    personas["supplier"].save()
    hidden = raise_need("Hidden by a moderator")
    Need.objects.filter(pk=hidden.pk).update(visibility="hidden")
    return needs  # the visible ones


def _rows(page):
    return [(need.pk, getattr(need, "supported", None)) for need in page.object_list]


@pytest.mark.parametrize("sort", list(selectors.SORTS))
@pytest.mark.parametrize("who", ["anonymous", "resident"])
@pytest.mark.parametrize("orphans", [0, 3])
def test_each_page_holds_what_django_paginator_gives(personas, listed, sort, who, orphans):
    needs = listed
    user = personas[who] if who != "anonymous" else None
    query = selectors.need_list(selectors.NeedFilters(sort=sort, seed=7), user=user)
    ours = KeysFirstPaginator(query, 10, orphans=orphans)
    django = Paginator(query, 10, orphans=orphans)
    assert ours.count == django.count == 23
    assert ours.num_pages == django.num_pages
    seen = []
    for number in ours.page_range:
        page = ours.page(number)
        assert _rows(page) == _rows(django.page(number))
        assert (page.start_index(), page.end_index()) == (
            django.page(number).start_index(),
            django.page(number).end_index(),
        )
        seen += _rows(page)
    # Each visible need once, the blocked account's and the hidden one nowhere.
    assert sorted(pk for pk, _ in seen) == sorted(n.pk for n in needs)
    if user is not None:
        assert [pk for pk, supported in seen if supported] == [needs[5].pk]


def test_a_page_past_the_end_is_the_last_page(listed):
    query = selectors.need_list(selectors.NeedFilters(sort="newest"))
    page = KeysFirstPaginator(query, 10).get_page("99")
    assert page.number == 3 and len(page.object_list) == 3


def test_a_page_of_the_needs_list_is_its_count_and_one_query(
    client, listed, django_assert_num_queries
):
    client.get("/needs/?page=2")
    # areas and buyers for the filters, the count, the page (its keys in a subquery)
    with django_assert_num_queries(4):
        response = client.get("/needs/?page=2&sort=supported")
    assert response.status_code == 200
