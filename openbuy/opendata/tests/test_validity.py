"""What we publish is valid OCDS 1.1, compiles as the standard's tools compile it, and shows
nothing sealed or personal: checked on a world of every process kind at every stage (see
``conftest.py``), through the same code paths the API, the bulk downloads and ``openbuy ocds
check`` use.

The schema comes from ``OPENBUY_OCDS_SCHEMA_DIR`` (CI points it at ``../shared/ocds/schema/1.1``)
or the one-time download :mod:`openbuy.opendata.schema` makes; without either these tests fail
with the message saying which to provide — they never skip.
"""

from __future__ import annotations

import base64
import json
from contextlib import suppress
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings

from openbuy.accounts.models import User
from openbuy.opendata import packages, publish, schema
from openbuy.opendata.mapping import ocid, party_id, when
from openbuy.opendata.models import Record, Release
from openbuy.opendata.tests.conftest import PRICES, price
from openbuy.processes import services
from openbuy.processes.models import Submission

pytestmark = pytest.mark.django_db

URI = "https://example.org/validity"


# --- helpers ----------------------------------------------------------------------------------


def problems(document: dict, kind: str) -> list[str]:
    """The schema errors of a package; the test fails (never skips) without the schema."""
    try:
        return [str(p) for p in schema.problems(document, kind)]
    except schema.SchemaUnavailable as error:
        message = str(error)
    pytest.fail(f"The OCDS schema is unavailable: {message}", pytrace=False)


def assert_valid(document: dict, kind: str, what: str) -> None:
    found = problems(document, kind)
    assert not found, f"{what}: {len(found)} schema error(s)\n" + "\n".join(found)


def release_schema_path() -> str:
    """The local release-schema.json, so that ocdskit fetches nothing."""
    problems({}, "release-package")  # fails the test, saying what to provide, without it
    folder = (
        Path(settings.OCDS_SCHEMA_DIR)
        if settings.OCDS_SCHEMA_DIR
        else Path(settings.VAR_DIR) / "ocds-schema" / schema.VERSION_TAG
    )
    return str(folder / "release-schema.json")


def releases_of(an_ocid: str) -> list[dict]:
    return [r.data for r in Release.objects.filter(ocid=an_ocid).order_by("date", "id")]


def release_at(an_ocid: str, moment) -> dict:
    return Release.objects.get(ocid=an_ocid, date=moment).data


def ocids_of(world) -> dict[str, list[str]]:
    """Every ocid of the world, by process key (a staged process: one per started phase)."""
    found = {}
    for key in world.processes:
        process = world.process(key)
        if process.kind == process.Kind.STAGED:
            started = process.phases.filter(number__lte=process.phase.number).order_by("number")
            found[key] = [ocid(process, phase) for phase in started]
        else:
            found[key] = [ocid(process)]
    return found


def bidders(phases) -> dict[str, Submission]:
    """The organisations that submitted to the phases, by name."""
    submitted = Submission.objects.filter(phase__in=phases, state=Submission.State.SUBMITTED)
    return {s.organisation.name: s for s in submitted.select_related("organisation")}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def streamed(response) -> dict:
    assert response.status_code == 200
    assert response.streaming, "a bulk download is streamed, never built whole"
    return json.loads(b"".join(response.streaming_content))


# --- the world is what the tests below assume -------------------------------------------------


def test_the_world_covers_every_kind_and_stage(world):
    states = {key: world.process(key).state for key in world.processes}
    assert states == {
        "cancelled": "cancelled",
        "evaluating": "evaluating",
        "awarded": "awarded",
        "challenge": "awarded",
        "lots": "evaluating",  # the ramps are still being evaluated
        "staged": "live",  # phase 2
        "stopped": "unsuccessful",
        "live": "live",
    }
    assert world.process("staged").phase.number == 2
    assert world.contract.milestones.filter(status="accepted").count() == 1
    assert world.contract.milestones.filter(status="rejected").count() == 1
    world.contract.refresh_from_db()
    assert world.contract.status == "terminated"
    assert world.contract.amendments.count() == 1
    # Every ocid has its record, and only our own releases are here.
    ocids = [o for found in ocids_of(world).values() for o in found]
    assert len(ocids) == 9
    assert set(Record.objects.values_list("ocid", flat=True)) == set(ocids)
    assert set(Release.objects.values_list("ocid", flat=True)) == set(ocids)
    assert packages.releases().count() == Release.objects.count()


# --- 1. schema validity -----------------------------------------------------------------------


def test_every_release_alone_in_a_package_is_valid(world):
    found = []
    rows = Release.objects.order_by("ocid", "date", "id")
    assert rows.count() > 20
    for row in rows:
        package = {**packages.metadata(URI), "releases": [row.data]}
        found += [f"{row.release_id}: {p}" for p in problems(package, "release-package")]
    assert not found, f"{len(found)} schema error(s) in releases:\n" + "\n".join(found)


def test_every_record_package_is_valid(world):
    found = []
    for row in Record.objects.order_by("ocid"):
        package = {**packages.metadata(URI), "records": [packages.record(row)]}
        found += [f"{row.ocid}: {p}" for p in problems(package, "record-package")]
    assert not found, f"{len(found)} schema error(s) in records:\n" + "\n".join(found)
    everything = {
        **packages.metadata(URI),
        "records": [packages.record(r) for r in packages.records()],
    }
    assert_valid(everything, "record-package", "all records in one package")


def test_without_the_schema_validation_fails_saying_what_to_provide(tmp_path):
    caches = (schema.schemas, schema._registry, schema.validator)
    try:
        for cached in caches:
            cached.cache_clear()
        with (
            override_settings(OCDS_SCHEMA_DIR=str(tmp_path)),
            pytest.raises(schema.SchemaUnavailable, match=r"OPENBUY_OCDS_SCHEMA_DIR=.* lacks"),
        ):
            list(schema.problems({}, "release-package"))
    finally:
        for cached in caches:
            cached.cache_clear()


# --- 2. ocdskit compiles our releases as we do ------------------------------------------------


def test_ocdskit_compiles_each_ocid_as_we_do(world):
    from ocdskit.combine import merge

    path = release_schema_path()
    for row in Record.objects.order_by("ocid"):
        package = {**packages.metadata(URI), "releases": releases_of(row.ocid)}
        compiled = list(merge([package], schema=path))
        assert len(compiled) == 1, row.ocid
        assert compiled[0] == row.compiled, f"ocdskit compiles {row.ocid} differently"


# --- 3. sealing -------------------------------------------------------------------------------


def test_before_opening_no_release_shows_who_submitted(world):
    """For every ocid, what was released before its phase was opened names no one who
    submitted, counts no tenderers and carries no bids — the live tender and phase 2 of the
    staged competition are still before their deadlines, with sealed submissions."""
    checked = 0
    for key, ocids in ocids_of(world).items():
        process = world.process(key)
        for number, an_ocid in enumerate(ocids, start=1):
            phases = (
                [process.phases.get(number=number)]
                if process.kind == process.Kind.STAGED
                else list(process.phases.all())
            )
            opened = min((p.opened_at for p in phases if p.opened_at), default=None)
            names = bidders(phases)
            for data in releases_of(an_ocid):
                if opened is not None and data["date"] >= when(opened):
                    continue
                text = json.dumps(data, ensure_ascii=False)
                for name, submission in names.items():
                    assert name not in text, f"{data['id']} names {name} before opening"
                    assert party_id(submission.organisation) not in text, data["id"]
                assert "tenderers" not in data["tender"], data["id"]
                assert "numberOfTenderers" not in data["tender"], data["id"]
                assert "bids" not in data, data["id"]
                checked += 1
    live = world.process("live")
    assert live.phase.opened_at is None and bidders([live.phase])
    assert world.process("staged").phase.opened_at is None
    assert bidders([world.process("staged").phase])
    assert checked >= 12


def test_after_opening_the_tenderers_show_but_no_prices_until_the_award(world):
    evaluating = world.process("evaluating")
    latest = releases_of(ocid(evaluating))[-1]
    names = {"Patel Mobility Co-operative", "Northgate Systems plc"}
    assert {t["name"] for t in latest["tender"]["tenderers"]} == names
    assert latest["tender"]["numberOfTenderers"] == 2
    assert {p["name"] for p in latest["parties"] if "tenderer" in p["roles"]} == names
    assert "bids" not in latest and "awards" not in latest
    text = json.dumps(latest)
    for value in PRICES["evaluating"].values():
        assert str(price(value)) not in text

    # The awarded tender, between opening and award: tenderers, no prices.
    awarded = world.process("awarded")
    opened, decided = world.moments["awarded.opened"], world.moments["awarded.awarded"]
    between = [r for r in releases_of(ocid(awarded)) if when(opened) <= r["date"] < when(decided)]
    assert between
    for data in between:
        assert data["tender"]["numberOfTenderers"] == 2
        assert "bids" not in data and "awards" not in data
        for value in PRICES["awarded"].values():
            assert str(price(value)) not in json.dumps(data)


def test_after_the_award_the_bids_carry_the_prices(world):
    awarded = world.process("awarded")
    data = release_at(ocid(awarded), world.moments["awarded.awarded"])
    bids = {b["tenderers"][0]["name"]: b["value"] for b in data["bids"]["details"]}
    assert bids == {
        "Patel Mobility Co-operative": {
            "amount": price(PRICES["awarded"]["coop"]),
            "currency": "GBP",
        },
        "Northgate Systems plc": {"amount": price(PRICES["awarded"]["bigco"]), "currency": "GBP"},
    }
    (award,) = data["awards"]
    assert award["value"]["amount"] == price(PRICES["awarded"]["coop"])
    assert [s["name"] for s in award["suppliers"]] == ["Patel Mobility Co-operative"]
    # Through the standstill the award is not yet in force; the signed contract brings it in.
    assert award["status"] == "pending" and "contractPeriod" not in award
    (signed,) = release_at(ocid(awarded), world.moments["contract.signed"])["awards"]
    assert signed["status"] == "active" and signed["contractPeriod"]["startDate"]

    # In lots, only the awarded lot's prices are public; the other lot's bidder is a tenderer.
    lots = world.process("lots")
    latest = releases_of(ocid(lots))[-1]
    assert {b["value"]["amount"] for b in latest["bids"]["details"]} == {
        price(PRICES["lots"]["coop"]),
        price(PRICES["lots"]["bigco"]),
    }
    assert "Ada Ramps Ltd" in {t["name"] for t in latest["tender"]["tenderers"]}
    assert [a["status"] for a in latest["awards"]] == ["pending"]  # no contract signed yet
    assert str(price(PRICES["lots"]["ada"])) not in json.dumps(latest)


# --- 4. no personal data ----------------------------------------------------------------------


def test_no_person_is_named_in_any_release_or_record(world):
    people = list(User.objects.values_list("email", "name"))
    assert len(people) >= 10
    documents = [(r.release_id, r.data) for r in Release.objects.all()] + [
        (f"record {r.ocid}", packages.record(r)) for r in Record.objects.all()
    ]
    for label, document in documents:
        text = json.dumps(document, ensure_ascii=False)
        for email, name in people:
            assert email.lower() not in text.lower(), f"{label} carries {email}"
            assert name not in text, f"{label} names {name}"
        assert "@" not in text, f"{label} carries what looks like an email address"


# --- 5. staged competitions -------------------------------------------------------------------


def test_each_started_phase_is_its_own_ocid_related_to_the_one_before(world):
    staged = world.process("staged")
    first, second = (
        ocid(staged, staged.phases.get(number=1)),
        ocid(staged, staged.phases.get(number=2)),
    )
    assert ocids_of(world)["staged"] == [first, second]
    for data in releases_of(second):
        (related,) = data["relatedProcesses"]
        assert related["relationship"] == ["prior"]
        assert related["scheme"] == "ocid" and related["identifier"] == first
        assert data["tender"]["procurementMethod"] == "limited"
    assert all("relatedProcesses" not in data for data in releases_of(first))

    compiled = Record.objects.get(ocid=first).compiled
    assert compiled["tender"]["status"] == "complete"
    # Phase 2 was open for responses from when it started, not from the first publication.
    later = Record.objects.get(ocid=second).compiled
    start = later["tender"]["tenderPeriod"]["startDate"]
    assert start > compiled["tender"]["tenderPeriod"]["startDate"]
    assert start >= max(award["date"] for award in compiled["awards"])
    gate = {a["suppliers"][0]["name"]: a["status"] for a in compiled["awards"]}
    assert gate == {
        "Patel Mobility Co-operative": "active",
        "Northgate Systems plc": "unsuccessful",
    }
    # Phase 2 is open, its submission sealed.
    later = Record.objects.get(ocid=second).compiled
    assert later["tender"]["status"] == "active"
    assert "awards" not in later and "tenderers" not in later["tender"]


def test_a_competition_stopped_at_the_gate_is_unsuccessful(world):
    stopped = world.process("stopped")
    compiled = Record.objects.get(ocid=ocid(stopped, stopped.phases.get(number=1))).compiled
    assert compiled["tender"]["status"] == "unsuccessful"
    assert {a["status"] for a in compiled["awards"]} == {"unsuccessful"}
    assert len(compiled["awards"]) == 2
    assert ocids_of(world)["stopped"] == [ocid(stopped, stopped.phases.get(number=1))]


# --- 6. tags ----------------------------------------------------------------------------------


def test_the_tags_say_what_each_release_changed(world):
    for an_ocid in [o for found in ocids_of(world).values() for o in found]:
        first = releases_of(an_ocid)[0]
        assert "tender" in first["tag"], an_ocid

    moments = world.moments
    awarded = ocid(world.process("awarded"))
    assert "award" in release_at(awarded, moments["awarded.awarded"])["tag"]
    assert "contract" in release_at(awarded, moments["contract.signed"])["tag"]
    assert "implementation" in release_at(awarded, moments["contract.planned"])["tag"]
    assert "implementationUpdate" in release_at(awarded, moments["contract.milestones"])["tag"]
    assert "contractAmendment" in release_at(awarded, moments["contract.amended"])["tag"]
    assert "contractTermination" in release_at(awarded, moments["contract.terminated"])["tag"]
    assert "award" in release_at(ocid(world.process("lots")), moments["lots.awarded"])["tag"]
    challenge = ocid(world.process("challenge"))
    assert "award" in release_at(challenge, moments["challenge.awarded"])["tag"]
    staged = world.process("staged")
    gate = release_at(ocid(staged, staged.phases.get(number=1)), moments["staged.gate"])
    assert "award" in gate["tag"]
    cancelled = release_at(ocid(world.process("cancelled")), moments["cancelled"])
    assert "tenderCancellation" in cancelled["tag"]
    assert cancelled["tender"]["status"] == "cancelled"
    live = release_at(ocid(world.process("live")), moments["live.amended"])
    assert "tenderAmendment" in live["tag"]


def test_the_record_reflects_the_contract_s_whole_life(world):
    compiled = Record.objects.get(ocid=ocid(world.process("awarded"))).compiled
    (contract,) = compiled["contracts"]
    assert contract["status"] == "terminated"
    assert contract["value"]["amount"] == price(PRICES["awarded"]["coop"]) + 1500
    assert len(contract["amendments"]) == 1
    statuses = [m["status"] for m in contract["implementation"]["milestones"]]
    assert statuses == ["met", "notMet", "scheduled"]


# --- 7. idempotence and release ids -----------------------------------------------------------


def test_every_change_was_published_as_it_happened(world):
    """The world was published only by the signals, step by step: publishing everything at the
    end found nothing left to release."""
    assert world.unpublished == 0


def test_a_rolled_back_change_does_not_stop_later_publications(world):
    live = world.process("live")
    before = Release.objects.filter(ocid=ocid(live)).count()
    with suppress(RuntimeError), transaction.atomic():
        services.deadline_extend(
            actor=world.personas["buyer"],
            process=live,
            deadline=live.phase.deadline + timedelta(days=3),
            reason="More time.",
        )
        raise RuntimeError("a later step of the same request fails: all is rolled back")
    live.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.deadline_extend(
            actor=world.personas["buyer"],
            process=live,
            deadline=live.phase.deadline + timedelta(days=7),
            reason="More time, as suppliers asked.",
        )
    assert Release.objects.filter(ocid=ocid(live)).count() == before + 1


def test_publishing_again_stores_nothing_even_later(world):
    before = list(Release.objects.values_list("release_id", "digest").order_by("id"))
    records = dict(Record.objects.values_list("ocid", "digest"))
    assert publish.everything() == 0
    with time_machine.travel(world.moments["end"] + timedelta(days=2), tick=False):
        assert publish.everything() == 0
    assert list(Release.objects.values_list("release_id", "digest").order_by("id")) == before
    assert dict(Record.objects.values_list("ocid", "digest")) == records


def test_release_ids_are_unique_and_count_up_per_ocid(world):
    ids = list(Release.objects.values_list("release_id", flat=True))
    assert len(ids) == len(set(ids))
    for an_ocid in Record.objects.values_list("ocid", flat=True):
        rows = releases_of(an_ocid)
        assert [r["id"] for r in rows] == [f"{an_ocid}-{n}" for n in range(1, len(rows) + 1)]
        assert all(r["ocid"] == an_ocid for r in rows)
        dates = [r["date"] for r in rows]
        assert dates == sorted(dates) and len(set(dates)) == len(dates), an_ocid


# --- 8. the API and the bulk downloads --------------------------------------------------------


def test_the_release_pages_run_newest_first_to_the_end(world, client):
    url, seen, pages = "/api/v1/ocds/releases?limit=2", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        package = response.json()
        assert_valid(package, "release-package", f"page {pages + 1}")
        assert len(package["releases"]) <= 2
        seen += [r["id"] for r in package["releases"]]
        url = path_of(package["links"]["next"]) if "links" in package else None
        pages += 1
    expected = list(packages.releases().values_list("release_id", flat=True))
    assert seen == expected, "every release once, newest first"
    assert pages == (len(expected) + 1) // 2
    dates = list(packages.releases().values_list("date", flat=True))
    assert dates == sorted(dates, reverse=True)


def test_the_record_pages_cover_every_record_once(world, client):
    url, seen = "/api/v1/ocds/records?limit=2", []
    while url:
        package = client.get(url).json()
        assert_valid(package, "record-package", url)
        seen += [r["ocid"] for r in package["records"]]
        url = path_of(package["links"]["next"]) if "links" in package else None
    assert seen == list(packages.records().values_list("ocid", flat=True))
    assert len(seen) == len(set(seen)) == Record.objects.count()


def test_since_keeps_what_was_released_from_then_on(world, client):
    since = world.moments["awarded.awarded"]
    query = urlencode({"since": when(since), "limit": 1000})
    package = client.get(f"/api/v1/ocds/releases?{query}").json()
    expected = Release.objects.filter(date__gte=since)
    assert 0 < expected.count() < Release.objects.count()
    assert {r["id"] for r in package["releases"]} == set(
        expected.values_list("release_id", flat=True)
    )
    assert all(r["date"] >= when(since) for r in package["releases"])
    assert "links" not in package


@pytest.mark.parametrize(
    "cursor", ["not a cursor", base64.urlsafe_b64encode(b"2026-12-01|x").decode(), "@@@"]
)
def test_a_bad_cursor_is_refused(world, client, cursor):
    response = client.get("/api/v1/ocds/releases?" + urlencode({"cursor": cursor}))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


def test_one_record_and_one_release_by_their_identifiers(world, client):
    staged = world.process("staged")
    an_ocid = ocid(staged, staged.phases.get(number=2))
    package = client.get(f"/api/v1/ocds/records/{an_ocid}").json()
    assert_valid(package, "record-package", an_ocid)
    (record,) = package["records"]
    assert record["ocid"] == an_ocid
    assert record["compiledRelease"] == Record.objects.get(ocid=an_ocid).compiled
    (linked,) = record["releases"]
    release = client.get(path_of(linked["url"]))
    assert release.status_code == 200
    assert release.json()["releases"] == releases_of(an_ocid)
    assert client.get("/api/v1/ocds/records/ocds-openby-0-unknown").status_code == 404
    assert client.get("/api/v1/ocds/releases/ocds-openby-0-unknown-1").status_code == 404


def test_the_bulk_downloads_are_complete_valid_packages(world, client):
    releases = streamed(client.get("/open-data/releases.json"))
    assert_valid(releases, "release-package", "releases.json")
    assert [r["id"] for r in releases["releases"]] == list(
        packages.releases().values_list("release_id", flat=True)
    )
    records = streamed(client.get("/open-data/records.json"))
    assert_valid(records, "record-package", "records.json")
    assert sorted(r["ocid"] for r in records["records"]) == sorted(
        Record.objects.values_list("ocid", flat=True)
    )
    # The stream splices the stored JSON text; it says exactly what the API's pages say.
    rows = list(packages.records())
    assert records["records"] == json.loads(json.dumps(packages.record_entries(rows)))
    assert releases["releases"] == [row.data for row in packages.releases()]


# --- 9. the command -----------------------------------------------------------------------------


def test_ocds_check_finds_no_errors(world):
    out = StringIO()
    call_command("ocds", "check", stdout=out)
    releases, records = Release.objects.count(), Record.objects.count()
    assert out.getvalue().strip() == (
        f"checked {releases} release(s) and {records} record(s) against OCDS 1.1: "
        "0 error(s) in 0 release(s) and 0 record(s)"
    )


# --- 10. the dashboards over the world ------------------------------------------------------------


def test_a_buyers_dashboard_costs_the_same_queries_however_much_it_has_bought(world, client):
    """The council's dashboard over the whole world (contracts, stopped competitions, ratings),
    then over twice the records, each with a red flag: the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openbuy.opendata.models import Award, RedFlag

    slug = world.personas["council"].slug

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/insights/buyers/{slug}/").status_code == 200
            assert client.get(f"/api/v1/insights/buyers/{slug}").status_code == 200
        return len(captured)

    before = queries()
    with transaction.atomic():
        for record in Record.objects.filter(process__isnull=False):
            rows = [*record.awards.all(), *record.parties.all(), *record.red_flags.all()]
            record.pk, record.ocid = None, f"{record.ocid}-copy"
            record.save()
            for row in rows:
                row.pk, row.record = None, record
                row.save()
            RedFlag.objects.create(record=record, code="single-bid", measured="1 tenderer")
        assert Award.objects.filter(record__ocid__endswith="-copy").exists()
        assert RedFlag.objects.filter(record__ocid__endswith="-copy").exists()
        assert queries() == before
        transaction.set_rollback(True)
