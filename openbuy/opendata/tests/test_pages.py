"""The open data pages, the dashboards and their JSON, over a neighbouring council's published
OCDS (the demo's): what a resident, a journalist or an auditor reads there."""

import io
import json
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbuy.insights import figures
from openbuy.opendata import export, flags, schema, store
from openbuy.opendata.models import Publisher, Record

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 1, tzinfo=UTC)
NEIGHBOUR = Path(settings.BASE_DIR) / "openbuy" / "demo" / "data" / "neighbour-ocds.json"


def load(package: dict) -> Publisher:
    publisher = store.external_publisher(package)
    for release in package["releases"]:
        store.store_release(publisher, release)
        store.compile_record(release["ocid"], publisher)
    flags.refresh()
    return publisher


@pytest.fixture
def neighbour() -> Publisher:
    return load(json.loads(NEIGHBOUR.read_text(encoding="utf-8")))


def test_the_demos_neighbouring_council_publishes_valid_ocds():
    package = json.loads(NEIGHBOUR.read_text(encoding="utf-8"))
    assert [str(p) for p in schema.problems(package, "release-package")] == []


def test_the_open_data_page_explains_the_api_the_downloads_and_the_policy(client, neighbour):
    page = client.get("/open-data/").content.decode()
    assert "/api/v1/ocds/releases" in page and "/api/v1/ocds/records" in page
    assert "links.next" in page
    assert 'id="policy"' in page and "People are not" in page
    assert "Eastbrook District Council" in page  # publishers whose records are here
    assert "/open-data/flat/" not in page  # the flat files are not made yet
    assert "have not been made yet" in page
    assert client.get("/open-data/flat/csv/").status_code == 404


def test_the_flat_downloads_are_made_by_flattentool_and_served(client, settings):
    from openbuy.opendata.models import Release

    publisher = store.local_publisher()
    release = json.loads(NEIGHBOUR.read_text(encoding="utf-8"))["releases"][0]
    store.store_release(publisher, release)
    assert Release.objects.filter(publisher=publisher).count() == 1
    made = {flat.kind for flat in export.write()}
    assert made == {"csv", "xlsx"}
    page = client.get("/open-data/").content.decode()
    assert "/open-data/flat/csv/" in page and "/open-data/flat/xlsx/" in page
    response = client.get("/open-data/flat/csv/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    main = archive.read("releases.csv").decode("utf-8-sig")
    assert "ocds-eastbk-0001" in main and "Street lighting maintenance" in main
    assert client.get("/open-data/flat/pdf/").status_code == 404


def test_the_records_list_costs_the_same_queries_however_many_records(client, neighbour):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/open-data/records/").status_code == 200
        return len(captured)

    few = queries()
    package = json.loads(NEIGHBOUR.read_text(encoding="utf-8"))
    for n, release in enumerate(package["releases"] * 4):
        release = {**release, "ocid": f"ocds-eastbk-9{n:03d}", "id": f"r{n}"}
        store.store_release(neighbour, release)
        store.compile_record(release["ocid"], neighbour)
    assert Record.objects.count() == 30
    assert queries() == few


def test_records_can_be_searched_and_filtered_by_publisher(client, neighbour):
    page = client.get("/open-data/records/", {"q": "benches"}).content.decode()
    assert "Park benches" in page and "Street lighting" not in page
    page = client.get("/open-data/records/", {"publisher": neighbour.pk}).content.decode()
    assert "6 records" in page
    page = client.get("/open-data/records/", {"publisher": "nonsense", "page": "x"})
    assert page.status_code == 200


def test_an_imported_record_is_attributed_and_shows_its_red_flags_with_their_meaning(
    client, neighbour
):
    page = client.get("/open-data/records/ocds-eastbk-0001/").content.decode()
    assert "Imported from open data published by" in page
    assert "Eastbrook District Council" in page
    assert "Acme Services Ltd" in page
    assert "cannot be changed here" in page
    # Each flag: what was measured, what it means, the threshold and where the definition is from.
    assert "1 tenderer" in page
    assert "Cardinal" in page
    assert "15 days" in page
    assert client.get("/open-data/records/ocds-nothing/").status_code == 404


def test_the_dashboard_figures_from_every_publisher(client, neighbour):
    data = client.get("/api/v1/insights/overview", {"publisher": "all"}).json()
    assert data["awards"] == 6
    assert data["sme_awards"]["percent"] == "33.3"  # Brookside Joinery and Green Hands
    assert data["social_awards"]["percent"] == "16.7"  # Green Hands CIC
    assert Decimal(data["sme_value"]["part"]) == Decimal("25000")
    assert Decimal(data["awarded_value"]) == Decimal("302500")
    assert data["average_bidders"] == "2.0"
    assert data["single_bid"]["percent"] == "16.7"
    assert data["top_suppliers"][0]["name"] == "Acme Services Ltd"
    codes = {row["code"] for row in data["flags"]}
    assert codes >= {"single-bid", "large-amendment", "just-under-threshold"}
    page = client.get("/insights/", {"publisher": "all"}).content.decode()
    assert "33.3% of awards" in page
    assert "<svg" in page and "<caption" in page  # each chart has its table


def test_this_sites_dashboard_starts_empty_and_says_so(client):
    data = client.get("/api/v1/insights/overview").json()
    assert data["awards"] == 0 and data["sme_awards"]["percent"] is None
    page = client.get("/insights/").content.decode()
    assert "No awards yet" in page
    assert client.get("/api/v1/insights/overview", {"publisher": "999"}).status_code == 404


def test_red_flags_are_listed_with_definitions_and_filtered(client, neighbour):
    page = client.get("/insights/red-flags/").content.decode()
    assert "not proof of wrongdoing" in page
    rows = client.get("/api/v1/insights/red-flags", {"limit": 100}).json()["items"]
    assert len(rows) == 7
    single = client.get("/api/v1/insights/red-flags", {"code": "single-bid"}).json()["items"]
    assert [r["ocid"] for r in single] == ["ocds-eastbk-0001"]
    assert single[0]["threshold"] and single[0]["definition"]
    page = client.get("/insights/red-flags/", {"code": "single-bid"}).content.decode()
    assert "ocds-eastbk-0001" in page or "Street lighting maintenance" in page


def test_a_since_without_a_time_zone_is_read_as_utc(client):
    response = client.get("/api/v1/ocds/releases", {"since": "2026-01-01"})
    assert response.status_code == 200
    assert client.get("/api/v1/ocds/releases", {"since": "soon"}).status_code == 422


def test_an_import_never_replaces_what_this_site_publishes():
    from openbuy.opendata.models import Release

    ours = store.local_publisher()
    mine = {"ocid": "ocds-openby-4", "id": "ocds-openby-4-1", "date": "2026-01-01T00:00:00Z"}
    store.store_release(ours, {**mine, "tender": {"title": "Ours"}})
    store.compile_record("ocds-openby-4", ours)
    theirs = store.external_publisher({"publisher": {"name": "An aggregator"}})
    with pytest.raises(store.Taken):
        store.store_release(theirs, {**mine, "tender": {"title": "Theirs"}})
    with pytest.raises(store.Taken):
        store.save_record(theirs, "ocds-openby-4", {"ocid": "ocds-openby-4"}, None, [], NOW)
    assert Release.objects.get().data["tender"]["title"] == "Ours"
    assert Record.objects.get().publisher == ours
    # The importer refuses our prefix outright, entry by entry.
    from openbuy.opendata import importing

    lines: list[str] = []
    package = {"publisher": {"name": "An aggregator"}, "releases": [{**mine, "tag": ["tender"]}]}
    counts = importing.import_file(
        io.BytesIO(json.dumps(package).encode()), name="x.json", report=lines.append
    )
    assert counts.rejected == 1 and "this site's own prefix" in "\n".join(lines)


def test_an_imported_publishers_address_is_linked_only_when_it_is_a_web_address(client):
    for uri in ("javascript:alert(document.cookie)", "https://data.example.org/"):
        package = {
            "publisher": {"name": f"Publisher {uri[:5]}", "uri": uri},
            "releases": [{"ocid": f"ocds-x-{uri[:4]}", "id": "1", "date": "2026-01-01T00:00:00Z"}],
        }
        load(package)
    page = client.get("/open-data/records/ocds-x-java/").content.decode()
    assert "javascript:" not in page
    page = client.get("/open-data/records/ocds-x-http/").content.decode()
    assert 'href="https://data.example.org/"' in page


def test_an_ocid_with_a_slash_has_its_pages(client):
    load({"releases": [{"ocid": "ocds-odd/1", "id": "1", "date": "2026-01-01T00:00:00Z"}]})
    assert client.get("/open-data/records/").status_code == 200
    assert client.get("/open-data/records/ocds-odd/1/").status_code == 200
    assert client.get("/insights/", {"publisher": "all"}).status_code == 200


def test_absurd_parameters_are_answered_not_crashed_on(client, neighbour):
    huge = "9" * 30
    assert client.get("/open-data/records/", {"publisher": huge}).status_code == 200
    assert client.get("/insights/", {"publisher": huge}).status_code == 200
    assert client.get("/api/v1/insights/overview", {"publisher": huge}).status_code == 422
    assert client.get("/api/v1/ocds/releases", {"limit": 0}).status_code == 422
    assert client.get("/api/v1/ocds/releases", {"cursor": "x" * 500}).status_code == 422


def test_another_publishers_figures_leave_out_what_only_this_site_has(client, neighbour):
    data = client.get("/api/v1/insights/overview", {"publisher": neighbour.pk}).json()
    assert data["awards"] == 6 and data["ours"] is False
    assert data["needs_on_time"] is None and data["ratings"] is None
    # The buyer-wide concentration flag is counted and listed alike.
    page = client.get("/insights/", {"publisher": neighbour.pk}).content.decode()
    assert "Large share of a buyer" in page


def grow(publisher: Publisher, copies: int) -> None:
    """More of the neighbour's records (each with its flags): the same releases under new ocids."""
    package = json.loads(NEIGHBOUR.read_text(encoding="utf-8"))
    for n, release in enumerate(package["releases"] * copies):
        release = {**release, "ocid": f"ocds-eastbk-9{n:03d}", "id": f"r{n}"}
        store.store_release(publisher, release)
        store.compile_record(release["ocid"], publisher)
    flags.refresh()


@pytest.mark.parametrize(
    "path",
    [
        "/insights/",
        "/insights/?publisher=all",
        "/insights/red-flags/",
        "/insights/red-flags/?code=single-bid",
        "/api/v1/insights/overview?publisher=all",
        "/api/v1/insights/red-flags?limit=100",
    ],
)
def test_the_dashboards_and_red_flags_cost_the_same_queries_however_many_records(
    client, neighbour, path
):
    from openbuy.opendata.models import RedFlag

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    client.get(path)  # the local publisher row, made on first use
    few, raised = queries(), RedFlag.objects.count()
    grow(neighbour, 4)
    assert RedFlag.objects.count() > 2 * raised
    assert queries() == few


def test_a_dashboard_shows_its_strongest_flags_and_links_to_all_of_them(client, neighbour):
    grow(neighbour, 4)
    page = client.get("/insights/", {"publisher": neighbour.pk}).content.decode()
    total = figures.flags_in(Record.objects.filter(publisher=neighbour)).count()
    assert total > 10
    assert f"The first 10 of {total}." in page
    assert f'href="/insights/red-flags/?publisher={neighbour.pk}"' in page
    listed = client.get("/insights/red-flags/", {"publisher": neighbour.pk}).content.decode()
    assert f"Raised ({total})" in listed and "Red flags: Eastbrook District Council" in listed


def test_red_flags_are_listed_for_one_publisher_or_one_buyer(client, neighbour, personas):
    other = load(
        {
            "publisher": {"name": "Westmere Council"},
            "releases": [
                {
                    "ocid": "ocds-west-1",
                    "id": "1",
                    "date": "2026-01-01T00:00:00Z",
                    "tag": ["award"],
                    "buyer": {"id": "W", "name": "Westmere Council"},
                    "tender": {
                        "id": "t",
                        "procurementMethod": "open",
                        "numberOfTenderers": 1,
                    },
                }
            ],
        }
    )
    every = client.get("/api/v1/insights/red-flags", {"limit": 100}).json()["items"]
    assert {r["buyer_name"] for r in every} >= {"Westmere Council", "Eastbrook District Council"}
    theirs = client.get("/api/v1/insights/red-flags", {"publisher": other.pk, "limit": 100}).json()[
        "items"
    ]
    assert theirs and {r["buyer_name"] for r in theirs} == {"Westmere Council"}
    page = client.get("/insights/red-flags/", {"publisher": other.pk}).content.decode()
    assert "Westmere Council" in page and "Street lighting" not in page
    # The kinds of flag keep the choice of publisher.
    assert f"?publisher={other.pk}&amp;code=single-bid" in page
    # Our buyer has no records yet: none raised, and a buyer nobody knows shows everyone's.
    council = personas["council"].slug
    mine = client.get("/api/v1/insights/red-flags", {"buyer": council}).json()
    assert mine["count"] == 0
    page = client.get("/insights/red-flags/", {"buyer": council}).content.decode()
    assert "None raised." in page and "Show everyone" in page
    page = client.get("/insights/red-flags/", {"buyer": "nobody", "publisher": "x" * 99})
    assert page.status_code == 200 and "Raised (" in page.content.decode()
