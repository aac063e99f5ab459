"""Importing other publishers' OCDS: the five real samples, a second import that changes
nothing, stdin, a deliberately broken file, line-delimited releases, late package metadata,
the 1.0→1.1 upgrade, and streaming in constant memory.

The samples are the real data in ``../shared/ocds/samples`` (``OPENBUY_OCDS_SAMPLES_DIR``
overrides); the schema comes from ``OPENBUY_OCDS_SCHEMA_DIR``.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from openbuy.opendata import importing
from openbuy.opendata.importing import Counts, import_file
from openbuy.opendata.models import Award, Contract, Party, Publisher, Record, Release

pytestmark = pytest.mark.django_db

MODELS = (Publisher, Release, Record, Party, Award, Contract)


@pytest.fixture(scope="session")
def samples() -> Path:
    folder = Path(
        os.environ.get("OPENBUY_OCDS_SAMPLES_DIR")
        or Path(settings.BASE_DIR).parent / "shared" / "ocds" / "samples"
    )
    if not (folder / "mexico-gacm" / "release-packages.jsonl").is_file():
        pytest.fail(
            f"The OCDS sample data is not in {folder}: set OPENBUY_OCDS_SAMPLES_DIR to the "
            "shared/ocds/samples folder (paraguay-dncp, uk-contracts-finder, mexico-apf, "
            "ukraine-prozorro, mexico-gacm)."
        )
    return folder


def run(*paths: Path, **options) -> tuple[Counts, list[str]]:
    """Import each file as the command would; the summed counts and every reported line."""
    total, lines = Counts(), []
    for path in paths:
        with path.open("rb") as stream:
            total += import_file(stream, name=path.name, report=lines.append, **options)
    return total, lines


def feed(text: str | bytes, name: str = "test.json", **options) -> tuple[Counts, list[str]]:
    lines: list[str] = []
    data = text.encode() if isinstance(text, str) else text
    counts = import_file(io.BytesIO(data), name=name, report=lines.append, **options)
    return counts, lines


def snapshot() -> dict:
    """Row counts of every open data table; each publisher, record and release as stored."""
    return {
        "rows": {model.__name__: model.objects.count() for model in MODELS},
        "publishers": set(Publisher.objects.values_list("id", "name", "license")),
        "records": set(Record.objects.values_list("ocid", "publisher", "digest", "updated_at")),
        "releases": set(
            Release.objects.values_list("ocid", "release_id", "publisher", "digest", "stored_at")
        ),
    }


def assert_second_import_changes_nothing(*paths: Path, read: int, invalid: int) -> None:
    before = snapshot()
    again, _ = run(*paths)
    assert (again.read, again.stored, again.updated, again.unchanged, again.rejected) == (
        read, 0, 0, read, 0,
    )  # fmt: skip
    assert again.invalid == invalid and again.compiled == 0
    assert snapshot() == before


def has_party(record: Record, role: str, party_id: str | None = None) -> bool:
    """Whether the record has a party with the role (and id); roles are JSON, so in Python."""
    return any(
        role in party.roles and party_id in (None, party.party_id) for party in record.parties.all()
    )


def release(ocid: str, rid: str, date: str, **fields) -> dict:
    return {
        "ocid": ocid,
        "id": rid,
        "date": date,
        "tag": ["tender"],
        "initiationType": "tender",
        **fields,
    }


# The five samples ---------------------------------------------------------------------------


def test_uk_contracts_finder(samples):
    """60 one-release 1.0 packages: after the upgrade not one schema problem is left (only the
    missing package version failed, and the upgrade sets it); one record per release."""
    files = sorted((samples / "uk-contracts-finder" / "release-packages").glob("*.json"))
    counts, lines = run(*files)

    assert len(files) == 60
    assert (counts.read, counts.stored, counts.updated, counts.rejected) == (60, 60, 0, 0)
    assert counts.invalid == 0 and lines == []
    assert counts.releases == 60 and counts.compiled == 60
    assert Record.objects.count() == 60 and Release.objects.count() == 60
    # Each notice owner is the package publisher; 26 of the 60 name "Spend Network".
    spend = Publisher.objects.get(name="Spend Network")
    assert spend.releases.count() == spend.records.count() == 26
    assert spend.license.startswith("https://www.nationalarchives.gov.uk/doc/open-government")
    assert not Publisher.objects.filter(local=True).exists()
    # 1.0 buyers became parties with the buyer role; the record's buyer columns are filled.
    record = Record.objects.filter(publisher=spend).first()
    assert record.external
    buyer = record.compiled["buyer"]
    assert set(buyer) == {"id", "name"} and record.buyer_name == buyer["name"]
    assert has_party(record, "buyer", buyer["id"])
    # Tender notices only: one party (the buyer) each, no awards or contracts yet.
    assert (Party.objects.count(), Award.objects.count(), Contract.objects.count()) == (60, 0, 0)

    assert_second_import_changes_nothing(*files, read=60, invalid=0)


def test_paraguay_dncp(samples):
    """17 1.0 record packages whose 82 releases are only linked: each record keeps the
    publisher's compiled release. Two packages name their publisher after the records."""
    files = sorted((samples / "paraguay-dncp" / "record-packages").glob("*.json"))
    counts, lines = run(*files)

    assert (counts.read, counts.stored, counts.rejected, counts.records) == (17, 17, 0, 17)
    # Empty contact URLs (format "uri"), three empty compiled releases, two versioned releases
    # that are arrays, one duplicated supplier: 13 records have schema problems.
    assert counts.invalid == 13
    assert (
        "273638.json: /records/0/compiledRelease/parties/1/contactPoint/url: '' is not a 'uri'"
        in lines
    )
    assert (
        "283906.json: /records/0/compiledRelease: has no ocid: the record's ocid is used" in lines
    )
    assert (
        "284453.json: /records/0/versionedRelease: is an array, not an object: it is not stored"
        in lines
    )
    assert all(len(line) < 400 for line in lines)  # whole quoted values are cut short

    # Everything is attributed to DNCP, also in 273638 and 289097 where it comes last.
    dncp = Publisher.objects.get(name="DNCP - Paraguay")
    assert list(Publisher.objects.values_list("name", flat=True)) == ["DNCP - Paraguay"]
    assert dncp.license == "https://creativecommons.org/licenses/by/4.0/"
    assert dncp.records.count() == 17 and Release.objects.count() == 0
    assert Record.objects.get(ocid__endswith="273638").publisher == dncp
    assert sum(len(r.linked_releases) for r in Record.objects.all()) == 82
    empty = Record.objects.get(ocid__endswith="283906")
    assert empty.compiled == {"ocid": empty.ocid} and empty.versioned is None
    assert Record.objects.get(ocid__endswith="284453").versioned is None
    # 14 compiled releases have one award each, suppliers moved into parties by the upgrade;
    # none has contracts (DNCP wrote "contract").
    assert (Party.objects.count(), Award.objects.count(), Contract.objects.count()) == (48, 14, 0)
    award = Award.objects.select_related("record").first()
    supplier = award.suppliers[0]
    assert has_party(award.record, "supplier", supplier["id"])

    assert_second_import_changes_nothing(*files, read=17, invalid=13)


def test_mexico_apf(samples):
    """Two OCDS 1.1 record packages with one embedded release each: the releases are stored and
    the records compiled from them; ``submissionMethod: [null]`` is reported twice a record."""
    files = sorted((samples / "mexico-apf").glob("record-package-*.json"))
    counts, lines = run(*files)

    assert (counts.read, counts.stored, counts.rejected, counts.invalid) == (2, 2, 0, 2)
    assert lines == [
        f"{name}: /records/0/{part}/tender/submissionMethod/0: None is not of type 'string'"
        for name in ("record-package-1.json", "record-package-2.json")
        for part in ("releases/0", "compiledRelease")
    ]
    publisher = Publisher.objects.get()
    assert publisher.name.startswith("SECRETARÍA DE LA FUNCIÓN PÚBLICA")
    assert publisher.license == "https://datos.gob.mx/libreusomx"
    assert Release.objects.filter(publisher=publisher).count() == 2
    assert Record.objects.filter(publisher=publisher).count() == 2
    record = Record.objects.get(ocid="ocds-07smqs-993235")
    assert record.compiled["ocid"] == record.ocid
    assert record.versioned is not None and record.linked_releases == []
    # Contract ids are integers, which the 1.1 schema allows.
    assert (Party.objects.count(), Award.objects.count(), Contract.objects.count()) == (6, 3, 3)
    assert Award.objects.filter(record=record).exists()
    assert has_party(record, "buyer")

    assert_second_import_changes_nothing(*files, read=2, invalid=2)


def test_ukraine_prozorro(samples):
    """One 1.0 package of 11 releases; 5 carry ProZorro's ``bid`` tag, not in the closed
    releaseTag codelist."""
    path = samples / "ukraine-prozorro" / "release-package.json"
    counts, lines = run(path)

    assert (counts.read, counts.stored, counts.rejected, counts.invalid) == (11, 11, 0, 5)
    assert [line.split(": '")[0] for line in lines] == [
        f"release-package.json: /releases/{i}/tag/3" for i in (0, 2, 3, 8, 9)
    ]
    assert all("'bid' is not one of" in line for line in lines)
    publisher = Publisher.objects.get()
    assert publisher.name == 'ДП "Прозорро"'
    assert publisher.releases.count() == 11 == publisher.records.count()
    assert (Party.objects.count(), Award.objects.count(), Contract.objects.count()) == (28, 13, 10)
    assert any("tenderer" in party.roles for party in Party.objects.all())

    assert_second_import_changes_nothing(path, read=11, invalid=5)


def test_mexico_gacm(samples):
    """292 one-release 1.0 packages, one a line. Every release has schema problems (478 in
    all, as the samples' README counts after the upgrade: transactions without id, …), and
    every one is stored. Problems name the line's value number."""
    path = samples / "mexico-gacm" / "release-packages.jsonl"
    counts, lines = run(path)

    assert (counts.read, counts.stored, counts.rejected, counts.invalid) == (292, 292, 0, 292)
    assert counts.values == 292 and counts.compiled == 292 and counts.uncompiled == 0
    assert len(lines) == 478
    assert lines[0] == (
        "release-packages.jsonl: value 1: /releases/0/contracts/0/implementation/transactions/0: "
        "'id' is a required property"
    )
    # GACM misuses publisher.scheme/uid for the procurement category: five publisher keys.
    assert set(Publisher.objects.values_list("name", flat=True)) == {"GACM"}
    assert Publisher.objects.count() == 5
    assert Record.objects.count() == 292
    # Parties: the buyer, the supplier, and the payer and payee of the transactions (which
    # ocdskit 1.7.0 alone would refer to but leave out of parties).
    counted = (Party.objects.count(), Award.objects.count(), Contract.objects.count())
    assert counted == (1166, 292, 292)
    # 1.0 transactions named their organisations; 1.1 refers to parties as payer and payee.
    record = Record.objects.order_by("ocid").first()
    transaction = record.compiled["contracts"][0]["implementation"]["transactions"][0]
    assert {"payer", "payee", "value"} <= set(transaction)
    assert not {"providerOrganization", "receiverOrganization"} & set(transaction)
    assert has_party(record, "payee", transaction["payee"]["id"])

    assert_second_import_changes_nothing(path, read=292, invalid=292)


# The command ---------------------------------------------------------------------------------


def test_command_reads_stdin(samples, monkeypatch):
    path = sorted((samples / "uk-contracts-finder" / "release-packages").glob("*.json"))[0]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    out, err = io.StringIO(), io.StringIO()

    call_command("import-ocds", "-", "--no-progress", stdout=out, stderr=err)

    assert out.getvalue() == (
        "read 1, stored 1, updated 0, unchanged 0, rejected 0\n"
        "red flags: 0 raised over everything held\n"
    )
    assert err.getvalue() == ""
    assert Record.objects.get().publisher.name == "Met Office"


def test_command_reports_entries_and_fails_only_without_json(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps({"releases": [{"id": "1"}, release("ocds-x-1", "1", "2024-01-01T00:00:00Z")]})
    )
    junk = tmp_path / "junk.csv"
    junk.write_text("ocid,id\nx,1\n")
    out, err = io.StringIO(), io.StringIO()

    call_command("import-ocds", str(good), "--quiet", stdout=out, stderr=err)
    assert out.getvalue().splitlines()[0] == "read 2, stored 1, updated 0, unchanged 0, rejected 1"
    # --quiet leaves out schema problems (the package has no uri) but not rejections.
    assert err.getvalue() == f"{good}: /releases/0: rejected: the release has no ocid\n"

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(
        CommandError, match=r"junk.csv, .*missing.json: cannot be opened, or not JSON"
    ) as raised:
        call_command(
            "import-ocds",
            str(good),
            str(junk),
            str(tmp_path / "missing.json"),
            stdout=out,
            stderr=err,
        )
    assert raised.value.returncode == 1
    assert out.getvalue() == "read 2, stored 0, updated 0, unchanged 1, rejected 1\n"
    assert f"{junk}: /: JSON syntax error at line 1, column 2 (byte 1)" in err.getvalue()
    assert "missing.json: cannot be opened: No such file or directory" in err.getvalue()


# Broken and unusual input --------------------------------------------------------------------

BROKEN = """{"uri": "https://example.org/broken.json", "publishedDate": "2024-01-01T00:00:00Z",
 "version": "1.1", "publisher": {"name": "Broken Publisher"},
 "releases": [
  {"ocid": "ocds-test-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "initiationType": "tender"},
  {"id": "2", "date": "2024-01-01T00:00:00Z", "tag": ["tender"], "initiationType": "tender"},
  {"ocid": "ocds-test-3", "id": "3", "tag": ["tender"], "initiationType": "tender"},
  "not an object",
  {"ocid": "ocds-test-5", "id": "5", "date": "2024-01-02T00:00:00Z", "tag": ["tender"], "initiationType": "tender", "tender": {"id": null}},
  {"ocid": "ocds-test-6", "id": "6", "date": "2024-01-03T00:00:00Z", "tag": ["tender"], "initiationType": "tender"},
  {"ocid": "ocds-test-7", "id": "7", "date": "2024-01-0"""  # noqa: E501 - one release a line


def test_a_broken_file_is_reported_entry_by_entry():
    positions: list[int] = []
    counts, lines = feed(BROKEN, name="broken.json", progress=positions.append)

    assert lines == [
        "broken.json: /releases/1: rejected: the release has no ocid",
        "broken.json: /releases/2: rejected: the release has no usable date (date: 'missing'), "
        "which merging releases into a record needs",
        "broken.json: /releases/3: rejected: the release is a string, not an object",
        "broken.json: /releases/4/tender/id: None is not of type 'string', 'integer'",
        f"broken.json: /releases/6: JSON syntax error at line 10, column 56 (byte {len(BROKEN)}): "
        "parse error: premature EOF; the rest of the file was not read",
    ]
    assert (counts.read, counts.stored, counts.rejected, counts.invalid) == (6, 3, 3, 1)
    assert counts.error and not counts.not_json and len(positions) == 6
    # What came before the error is stored, attributed, and compiled into records.
    assert sorted(Record.objects.values_list("ocid", flat=True)) == [
        "ocds-test-1", "ocds-test-5", "ocds-test-6",
    ]  # fmt: skip
    assert {r.publisher.name for r in Release.objects.all()} == {"Broken Publisher"}


def test_syntax_errors_are_placed_and_nothing_is_not_json():
    counts, lines = feed('{"ocid": "a", "id": "1",\n "date": tru}', name="x.json")
    assert counts.not_json and counts.read == 0
    assert lines == [
        "x.json: /: JSON syntax error at line 2, column 13 (byte 37): "
        "lexical error: invalid string in json text; the rest of the file was not read"
    ]
    counts, lines = feed(b"", name="empty.json")
    assert counts.not_json and lines == [
        "empty.json: /: the input is empty; the rest of the file was not read"
    ]
    counts, lines = feed(b'\xef\xbb\xbf{"ocid": "a", "id": "1", "date": "2024-01-01T00:00:00Z"}')
    assert counts.stored == 1 and not counts.error  # a byte order mark is skipped


def test_strict_rejects_entries_with_schema_problems():
    package = {
        "releases": [
            release("ocds-s-1", "1", "2024-01-01T00:00:00Z"),
            release("ocds-s-2", "1", "2024-01-01T00:00:00Z", tender={"id": None}),
        ]
    }
    counts, lines = feed(json.dumps(package), strict=True)
    assert (counts.read, counts.stored, counts.rejected, counts.invalid) == (2, 1, 1, 0)
    assert (
        "test.json: /releases/1: rejected: it has 1 schema problem(s) and the import is strict"
        in lines
    )
    assert list(Release.objects.values_list("ocid", flat=True)) == ["ocds-s-1"]


def test_line_delimited_bare_releases():
    lines_in = [
        release("ocds-l-1", "1", "2024-01-01T00:00:00Z", tender={"id": "t", "title": "First"}),
        release("ocds-l-1", "2", "2024-02-01T00:00:00Z", tender={"id": "t", "status": "active"}),
        release("ocds-l-2", "1", "2024-01-01T00:00:00Z", tender={"numberOfTenderers": "two"}),
    ]
    text = "\n".join(json.dumps(r) for r in lines_in) + "\n"
    counts, lines = feed(text, name="-")

    assert (counts.read, counts.stored, counts.rejected, counts.values) == (3, 3, 0, 3)
    # Numbered from the first line: the first line alone is a whole JSON value.
    assert lines == [
        "-: value 3: /tender: 'id' is a required property",
        "-: value 3: /tender/numberOfTenderers: 'two' is not of type 'integer', 'null'",
    ]
    record = Record.objects.get(ocid="ocds-l-1")
    assert record.compiled["tender"] == {"id": "t", "title": "First", "status": "active"}
    assert record.title == "First" and record.tender_status == "active"
    assert record.publisher.name == "Unnamed publisher"  # a bare release names nobody


def test_metadata_after_the_releases_still_attributes_the_publisher():
    text = (
        '{"releases": ['
        + json.dumps(release("ocds-m-1", "1", "2024-01-01T00:00:00Z"))
        + ","
        + json.dumps(release("ocds-m-2", "1", "2024-01-01T00:00:00Z"))
        + '], "publisher": {"name": "Late Publisher", "uri": "https://late.example"},'
        ' "license": "https://creativecommons.org/licenses/by/4.0/", "version": "1.1",'
        ' "uri": "https://late.example/p.json", "publishedDate": "2024-01-02T00:00:00Z"}'
    )
    counts, lines = feed(text)
    assert (counts.stored, counts.rejected, lines) == (2, 0, [])

    late = Publisher.objects.get()  # the provisional publisher is gone
    assert (late.name, late.uri) == ("Late Publisher", "https://late.example")
    assert late.license == "https://creativecommons.org/licenses/by/4.0/"
    assert late.releases.count() == 2 and late.records.count() == 2

    again, _ = feed(text)
    assert again.unchanged == 2 and Publisher.objects.get() == late


def test_a_10_release_is_upgraded_with_parties():
    buyer = {"name": "Town Council", "identifier": {"scheme": "GB-COH", "id": "123"}}
    supplier = {"name": "Builder Ltd", "identifier": {"scheme": "GB-COH", "id": "456"}}
    payment = {
        "id": "p",
        "amount": {"amount": 10, "currency": "GBP"},
        "providerOrganization": {"scheme": "GB-COH", "id": "123", "legalName": "Town Council"},
        "receiverOrganization": {"scheme": "GB-COH", "id": "456", "legalName": "Builder Ltd"},
    }
    old = release(
        "ocds-u-1",
        "1",
        "2015-01-01T00:00:00Z",
        buyer=buyer,
        tender={"id": "t", "procuringEntity": buyer},
        awards=[{"id": "a", "status": "active", "suppliers": [supplier]}],
        contracts=[{"id": "c", "awardID": "a", "implementation": {"transactions": [payment]}}],
    )
    package = {"uri": "https://x.example/p", "publishedDate": "2015-01-01T00:00:00Z",
               "publisher": {"name": "Old Publisher"}, "releases": [old]}  # fmt: skip
    counts, lines = feed(json.dumps(package))

    assert (counts.stored, counts.invalid, lines) == (1, 0, [])  # and no version: it is 1.0
    data = Release.objects.get().data
    roles = [(party["name"], party["roles"]) for party in data["parties"]]
    # The payer and payee are identified differently from the buyer and supplier (no
    # name, only a legal name), so they are parties of their own, as ocdskit makes them.
    assert roles == [
        ("Town Council", ["buyer", "procuringEntity"]),
        ("Builder Ltd", ["supplier"]),
        ("Town Council", ["payer"]),
        ("Builder Ltd", ["payee"]),
    ]
    assert data["buyer"] == {"id": data["parties"][0]["id"], "name": "Town Council"}
    paid = data["contracts"][0]["implementation"]["transactions"][0]
    assert paid["value"] == {"amount": 10, "currency": "GBP"} and "amount" not in paid
    assert paid["payee"] == {"id": data["parties"][3]["id"], "name": "Builder Ltd"}
    record = Record.objects.get()
    assert record.parties.count() == 4
    assert record.awards.get().suppliers[0]["name"] == "Builder Ltd"


def test_records_that_cannot_be_stored_are_rejected_alone():
    records = [
        {"releases": [], "compiledRelease": {}},
        {"ocid": "ocds-r-2", "releases": [{"ocid": "ocds-r-2", "id": "1", "tag": ["tender"]}]},
        {"ocid": "ocds-r-3", "releases": [{"url": "https://x.example/1", "tag": ["tender"]}]},
        {"ocid": "ocds-r-4", "releases": [
            release("ocds-r-4", "1", "2024-01-01T00:00:00Z", tender={"id": "t"}),
            release("ocds-r-4", "2", "2024-01-02T00:00:00Z", tender=[{"id": "t"}]),
        ]},
        {"ocid": "ocds-r-5", "releases": [release("ocds-r-5", "1", "2024-01-01T00:00:00Z")]},
    ]  # fmt: skip
    counts, lines = feed(json.dumps({"version": "1.1", "records": records}), problems=False)

    assert (counts.read, counts.stored, counts.rejected) == (5, 1, 4)
    assert lines[:3] == [
        "test.json: /records/0: rejected: the record has no ocid",
        "test.json: /records/1: rejected: /releases/0: the release has no usable date "
        "(date: 'missing'), which merging releases into a record needs",
        "test.json: /records/2: rejected: the record has neither embedded releases nor a "
        "compiledRelease object",
    ]
    assert lines[3].startswith(
        "test.json: /records/3: rejected: it could not be stored (InconsistentTypeError"
    )
    # The record whose releases cannot be merged left nothing behind: its atomic block rolled back.
    assert list(Release.objects.values_list("ocid", flat=True)) == ["ocds-r-5"]
    assert list(Record.objects.values_list("ocid", flat=True)) == ["ocds-r-5"]


def test_releases_that_cannot_be_merged_are_stored_and_reported():
    package = {"version": "1.1", "releases": [
        release("ocds-c-1", "1", "2024-01-01T00:00:00Z", tender={"id": "t"}),
        release("ocds-c-1", "2", "2024-01-02T00:00:00Z", tender=[{"id": "t"}]),
    ]}  # fmt: skip
    counts, lines = feed(json.dumps(package), problems=False)
    assert (counts.stored, counts.uncompiled, counts.compiled) == (2, 1, 0)
    assert lines[0].startswith("test.json: ocid ocds-c-1: the record could not be compiled")
    assert counts.summary().endswith("; the records of 1 ocids could not be compiled")
    assert not Record.objects.exists()


def test_a_release_with_a_naive_date_is_stored():
    counts, lines = feed(json.dumps(release("ocds-n-1", "1", "2024-01-01T00:00:00")))
    assert counts.stored == 1, lines


# Streaming -----------------------------------------------------------------------------------


class Generated:
    """A release package of ``n`` tiny releases, made as it is read: it is never whole."""

    def __init__(self, n: int) -> None:
        self.parts = self._parts(n)
        self.size = 0
        self.buffer = b""

    def _parts(self, n: int):
        yield b'{"version": "1.1", "releases": ['
        for i in range(n):
            yield (b"," if i else b"") + json.dumps(
                release(f"ocds-g-{i}", "1", "2024-01-01T00:00:00Z", tender={"id": str(i)})
            ).encode()
        yield b'], "publisher": {"name": "Generated"}}'

    def read(self, size: int = -1) -> bytes:
        size = size if size >= 0 else 1 << 62
        while len(self.buffer) < max(size, 1):
            part = next(self.parts, None)
            if part is None:
                break
            self.buffer += part
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        self.size += len(data)
        return data


def test_a_large_package_is_read_in_constant_memory(monkeypatch):
    """ijson hands over one release at a time: with storing replaced by counting, the peak
    of memory is the same for 2,000 releases as for 20,000 (about one 64 KiB chunk's worth of
    parser events), and a fraction of the package."""
    seen = [0]

    def count(self, kind, item, *rest):
        seen[0] += 1

    monkeypatch.setattr(importing._Importer, "handle", count)
    import_file(Generated(10), name="warm-up.json")  # validators and first-use caches
    peaks, sizes = [], []
    for n in (2_000, 20_000):
        seen[0] = 0
        stream = Generated(n)
        tracemalloc.start()
        try:
            counts = import_file(stream, name="generated.json")
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert counts.read == n and seen == [n]
        sizes.append(stream.size)

    assert sizes[1] > 2_500_000
    assert peaks[1] < peaks[0] * 1.2, peaks
    assert peaks[1] < sizes[1] / 2, (peaks, sizes)
