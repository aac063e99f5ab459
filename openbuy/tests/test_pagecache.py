"""The anonymous page cache (ADR 022): pages served again without the database, and never once
anything has been written since, whoever wrote it; never for a visitor with a session; never a
page holding a secret of the visitor's."""

from __future__ import annotations

import gzip
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from openbuy import pagecache
from openbuy.needs import services
from openbuy.needs.areas import load_cpv_divisions
from openbuy.needs.models import Area, Need

# Commits must really happen (the version moves on commit), so the tests are transactional.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def need(personas):
    load_cpv_divisions(Area)
    return services.need_raise(
        actor=personas["resident"],
        title="Broken lift at Riverside station",
        description="The lift has been broken for months.",
        affects="Wheelchair users",
        area=Area.objects.get(slug="health-and-social-work-services"),
        organisation=personas["council"],
    )


def test_an_anonymous_page_is_served_again_without_the_database(
    client, need, django_assert_num_queries
):
    first = client.get(reverse("needs:detail", args=[need.pk]))
    with django_assert_num_queries(0):
        again = client.get(reverse("needs:detail", args=[need.pk]))
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}  # as browsers ask


def test_a_browser_that_accepts_gzip_is_served_the_kept_page_compressed(
    client, need, django_assert_num_queries
):
    url = reverse("needs:detail", args=[need.pk])
    plain = client.get(url)
    first = client.get(url, **GZIP)  # made again for this encoding, and kept compressed
    with django_assert_num_queries(0):
        again = client.get(url, **GZIP)
    for response in (first, again):
        assert response["Content-Encoding"] == "gzip"
        assert int(response["Content-Length"]) == len(response.content)
        assert gzip.decompress(response.content) == plain.content
        assert len(response.content) < len(plain.content) / 3
        assert "Accept-Encoding" in response["Vary"]
        assert response["Content-Type"] == plain["Content-Type"]
    # The two stay apart: a visitor who did not ask for gzip never gets it.
    with django_assert_num_queries(0):
        assert client.get(url).content == plain.content
    assert "Accept-Encoding" in plain["Vary"] and not plain.has_header("Content-Encoding")
    assert _kept_pages() == 2


@pytest.mark.parametrize(
    "accept", ["identity", "gzip;q=0", "deflate, br", "gzip;q=nonsense", "gzipper", ""]
)
def test_gzip_only_for_those_who_ask_for_it(client, need, accept):
    response = client.get(reverse("needs:detail", args=[need.pk]), HTTP_ACCEPT_ENCODING=accept)
    assert response.status_code == 200 and not response.has_header("Content-Encoding")
    assert "Broken lift" in response.content.decode()


@pytest.mark.parametrize("accept", ["gzip", "GZIP;q=0.5", "br;q=1.0, gzip;q=0.8", "x-gzip"])
def test_gzip_however_it_is_asked_for(client, need, accept):
    response = client.get(reverse("needs:detail", args=[need.pk]), HTTP_ACCEPT_ENCODING=accept)
    assert response["Content-Encoding"] == "gzip"
    assert "Broken lift" in gzip.decompress(response.content).decode()


def test_a_write_throws_away_the_compressed_pages_too(client, need, personas):
    url = reverse("needs:detail", args=[need.pk])
    before = gzip.decompress(client.get(url, **GZIP).content)
    Need.objects.filter(pk=need.pk).update(title="Lift fixed at last")
    after = gzip.decompress(client.get(url, **GZIP).content)
    assert after != before and b"Lift fixed at last" in after


def test_small_or_binary_answers_are_kept_as_they_are(client):
    """Under a kilobyte, gzip's framing outweighs the saving; an image is already compressed."""
    small = pagecache._kept(HttpResponse("ok", content_type="text/plain"), 30, 1)
    assert pagecache._compressed(small) is small
    image = HttpResponse(b"\x89PNG" + bytes(4000), content_type="image/png")
    kept = pagecache._kept(image, 30, 1)
    assert pagecache._compressed(kept) is kept
    text = pagecache._kept(HttpResponse("word " * 1000, content_type="text/plain"), 30, 1)
    assert gzip.decompress(pagecache._compressed(text)[3]) == b"word " * 1000


def test_any_committed_write_throws_the_kept_pages_away(client, need, personas):
    url = reverse("needs:detail", args=[need.pk])
    before = client.get(url).content
    services.need_support(actor=personas["frontline"], need=need)
    after = client.get(url).content
    assert after != before
    Need.objects.filter(pk=need.pk).update(title="Lift fixed at last")  # not through a service
    assert "Lift fixed at last" in client.get(url).content.decode()


def test_a_write_from_another_thread_counts_too(client, need):
    url = reverse("needs:detail", args=[need.pk])
    client.get(url)

    def rename():
        try:
            Need.objects.filter(pk=need.pk).update(title="Renamed elsewhere")
        finally:
            connection.close()

    writer = threading.Thread(target=rename)
    writer.start()
    writer.join()
    assert "Renamed elsewhere" in client.get(url).content.decode()


def test_a_rolled_back_write_changes_nothing_and_later_writes_still_count(client, need):
    url = reverse("needs:detail", args=[need.pk])
    client.get(url)
    kept = pagecache.version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(title="Never happened")
        raise RuntimeError
    assert pagecache.version() == kept
    with transaction.atomic():
        Need.objects.filter(pk=need.pk).update(title="First write")
        Need.objects.filter(pk=need.pk).update(title="Second write")
    assert pagecache.version() == kept + 1  # once per transaction
    assert "Second write" in client.get(url).content.decode()


def test_signing_in_does_not_count(client, need, personas):
    kept = pagecache.version()
    client.force_login(personas["resident"])  # a session row, and last_login
    assert pagecache.version() == kept


def test_a_signed_in_visitor_is_never_served_a_kept_page(client, need, personas):
    url = reverse("needs:detail", args=[need.pk])
    anonymous = client.get(url).content.decode()
    assert "Sign out" not in anonymous
    client.force_login(personas["resident"])
    assert "Sign out" in client.get(url).content.decode()


def test_a_page_holding_the_csrf_token_is_not_kept(client):
    url = reverse("account_login")
    html = client.get(url).content.decode()
    assert "csrfmiddlewaretoken" in html
    assert _kept_pages() == 0


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_HX_REQUEST": "true"}, {"HTTP_AUTHORIZATION": "Bearer something"}],
    ids=["htmx", "token"],
)
def test_htmx_and_token_requests_are_neither_served_nor_kept(client, need, headers):
    client.get(reverse("needs:detail", args=[need.pk]), **headers)
    assert _kept_pages() == 0


def test_only_complete_successful_answers_are_kept(client):
    assert client.get("/needs/999999999/").status_code == 404
    assert _kept_pages() == 0


def test_kept_pages_are_made_again_after_their_time(
    client, need, clock, django_assert_num_queries, django_assert_max_num_queries
):
    url = reverse("needs:detail", args=[need.pk])
    client.get(url)
    assert _kept_pages() == 1
    clock.shift(31)
    with django_assert_max_num_queries(50) as made:
        client.get(url)
    assert len(made.captured_queries) > 0  # made again, not served
    with django_assert_num_queries(0):
        client.get(url)
    clock.shift(31 + pagecache.LATE_SECONDS)
    assert _kept_pages() == 0


def test_while_a_page_past_its_time_is_made_again_the_others_see_it(
    client, need, clock, django_assert_num_queries
):
    url = reverse("needs:detail", args=[need.pk])
    before = client.get(url).content
    Need.objects.filter(pk=need.pk).update(title="Renamed")  # a write: a new version…
    client.get(url)  # …whose page is kept
    clock.shift(31)
    # Another request is making it again: this one is shown the page of the same version.
    making = f"{pagecache._key(RequestFactory().get(url))}:{pagecache.version()}:making"
    assert cache.add(making, 1)
    with django_assert_num_queries(0):
        late = client.get(url).content.decode()
    assert "Renamed" in late and late.encode() != before
    # Past LATE_SECONDS it is gone: this one waits for the page being made, then makes it.
    clock.shift(pagecache.LATE_SECONDS)
    cache.delete(making)
    assert "Renamed" in client.get(url).content.decode()


def test_off_without_a_shared_cache(settings, client, need):
    settings.PAGE_CACHE_SECONDS = 0
    url = reverse("needs:detail", args=[need.pk])
    client.get(url)
    assert _kept_pages() == 0


def test_a_cache_that_is_down_serves_pages_without_it(client, need, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(pagecache.cache, "get", down)
    assert client.get(reverse("needs:detail", args=[need.pk])).status_code == 200


def _crowd(monkeypatch, status: int, visitors: int = 6):
    """``visitors`` anonymous requests for one missing page at once, the first still making it
    while the others arrive: what each got, and how many times the page was made."""
    from django.http import HttpResponse

    made = []
    entered, release = threading.Event(), threading.Event()
    waiting = threading.Semaphore(0)

    def view(request):
        made.append(threading.get_ident())
        if len(made) == 1:
            entered.set()
            assert release.wait(10)
        return HttpResponse(f"page {len(made)}", status=status)

    pause = pagecache._pause

    def counted_pause():
        waiting.release()
        pause()

    monkeypatch.setattr(pagecache, "_pause", counted_pause)
    middleware = pagecache.AnonymousPageCache(view)
    answers: list = []

    def visit():
        answers.append(middleware(RequestFactory().get("/needs/")))

    first = threading.Thread(target=visit)
    first.start()
    assert entered.wait(10)
    others = [threading.Thread(target=visit) for _ in range(visitors - 1)]
    for thread in others:
        thread.start()
    for _ in others:  # every other visitor is waiting for the first
        assert waiting.acquire(timeout=10)
    release.set()
    for thread in [first, *others]:
        thread.join(10)
        assert not thread.is_alive()
    return answers, made


def test_a_crowd_asking_for_a_missing_page_makes_it_once(monkeypatch):
    answers, made = _crowd(monkeypatch, 200)
    assert len(made) == 1
    assert [a.content for a in answers] == [b"page 1"] * 6
    assert not [key for key in cache._cache if key.endswith(":making")]  # the claim is gone


def test_a_page_that_cannot_be_kept_does_not_keep_the_crowd_waiting(monkeypatch):
    # Waiting would only end after WAIT_SECONDS if the others waited for a page never kept.
    monkeypatch.setattr(pagecache, "WAIT_SECONDS", 600)
    answers, made = _crowd(monkeypatch, 404)
    assert len(made) == 6 and sorted(a.status_code for a in answers) == [404] * 6


def _kept_pages() -> int:
    """How many unexpired pages the (local memory) test cache holds."""
    now = time.time()
    return sum(
        1
        for key, expires in cache._expire_info.items()
        if "pagecache:" in key and "version" not in key and (expires is None or expires > now)
    )
