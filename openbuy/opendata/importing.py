"""Importing other publishers' OCDS data: ``openbuy import-ocds FILE``.

A file holds one JSON value or many, one after another (line-delimited JSON included). Each value
is a release package (``releases``), a record package (``records``), or a bare release or record
(an object with ``ocid``). The file is read as a stream of ijson events: every release or record
in a package is built on its own, handled and dropped, so a package of a million releases never
sits whole in memory. What is kept for the whole file is the set of ocids to compile at the end.

Each entry is upgraded from OCDS 1.0 to 1.1 with ocdskit when it needs it, checked against the
OCDS 1.1 schema (every problem reported with its JSON pointer), and stored in its own
transaction, so one entry that cannot be stored is rejected alone and the import carries on.
Entries with schema problems are stored and counted as ``invalid`` unless the import is strict.
A JSON syntax error stops the file where it is; what was stored before it stays.

Storing goes through :mod:`openbuy.opendata.store`, which leaves identical content alone, so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any, BinaryIO

import ijson
from django.conf import settings
from django.db import transaction
from ocdskit import upgrade as ocdskit

from openbuy.opendata import schema, store
from openbuy.opendata.models import Publisher, Record, Release

Event = tuple[str, str, Any]
Report = Callable[[str], None]

LINE_DELIMITED = (".jsonl", ".ndjson", ".jsonlines", ".jl")
MAX_KEY = 200  # Release.ocid, Release.release_id and Record.ocid are 200 characters at most
CHUNK = 64 * 1024  # bytes ijson reads at a time (its default)
MAX_MESSAGE = 300  # characters of one reported problem
BATCH = 500  # rows per UPDATE when re-attributing entries to a publisher named late
# A one-record package around each record, so the record is checked by the record package
# schema (record, compiled, embedded and versioned releases) without its real package.
RECORD_WRAPPER = {
    "uri": "https://example.invalid/",
    "publishedDate": "2000-01-01T00:00:00Z",
    "publisher": {"name": "-"},
    "version": "1.1",
}
UNKNOWN = object()  # a package version not read (yet)


@dataclass
class Counts:
    """What one import did. ``read`` = ``stored + updated + unchanged + rejected``."""

    read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # Entries stored although they have schema problems (they are in stored/updated/unchanged).
    invalid: int = 0
    # What the entries were.
    releases: int = 0
    records: int = 0
    # Records stored or updated by compiling the releases of a release package, and ocids whose
    # releases were stored but could not be compiled into a record (reported).
    compiled: int = 0
    uncompiled: int = 0
    # Top-level JSON values started, and the syntax error that stopped the file, if one did.
    values: int = 0
    error: str = ""

    def __iadd__(self, other: Counts) -> Counts:
        for field in fields(self):
            if field.name == "error":
                self.error = self.error or other.error
            else:
                setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self

    @property
    def not_json(self) -> bool:
        """Nothing could be read at all: the input is not JSON (or is empty)."""
        return bool(self.error) and self.read == 0

    def summary(self) -> str:
        text = (
            f"read {self.read}, stored {self.stored}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )
        if self.invalid:
            text += f" ({self.invalid} stored with schema problems)"
        if self.uncompiled:
            text += f"; the records of {self.uncompiled} ocids could not be compiled"
        return text


def import_file(
    stream: BinaryIO,
    *,
    name: str = "-",
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    report: Report | None = None,
    problems: bool = True,
    validate: bool = True,
) -> Counts:
    """Import every entry in ``stream`` (bytes; ``name`` is used in reports).

    ``report`` receives one line per schema problem, note, rejection and syntax error;
    with ``problems=False`` it receives only rejections, compile failures and syntax errors.
    ``progress`` is called once per entry with the number of bytes read so far.
    ``strict`` rejects entries that have schema problems instead of storing them.
    Raises :class:`~openbuy.opendata.schema.SchemaUnavailable` before reading when the OCDS
    schema cannot be had. ``validate=False`` skips the schema checks (and needs no schema): for
    data already known to be valid, such as the demo's.
    """
    if validate:
        schema.validator("release")
        schema.validator("record-package")
    importer = _Importer(name, strict, progress, report, problems)
    importer.validate = validate
    return importer.run(stream)


class _Source:
    """The stream as ijson reads it: counts bytes and lines, and keeps the chunk being parsed
    so that a syntax error can be placed."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.position = 0  # bytes read so far
        self.chunk = b""  # the last non-empty chunk read, starting at chunk_start
        self.chunk_start = 0
        self.lines_before = 0  # newlines before the chunk
        self.column_before = 0  # bytes since the last newline before the chunk
        self.started = False
        self.ahead: bytes | None = None

    def looks_line_delimited(self) -> bool:
        """Read the first chunk ahead and tell whether its first line is a whole JSON value
        with more after it, as in JSON Lines (a package's first line is "{" or all of it)."""
        self.ahead = self.read(CHUNK)
        newline = self.ahead.find(b"\n")
        if newline < 0 or not self.ahead[newline + 1 :].strip():
            return False
        try:
            json.loads(self.ahead[:newline])
        except ValueError:
            return False
        return True

    def read(self, size: int = -1) -> bytes:
        if self.ahead is not None and size != 0:
            data, self.ahead = self.ahead, None
            return data
        data = self.stream.read(size)
        if isinstance(data, str):  # a text stream: ijson wants bytes throughout
            data = data.encode("utf-8")
        if not data:
            return b""
        offset = self.position
        if not self.started:
            self.started = True
            if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark, common on Windows
                data, offset = data[3:], offset + 3
        if self.chunk:
            last = self.chunk.rfind(b"\n")
            self.lines_before += self.chunk.count(b"\n")
            if last >= 0:
                self.column_before = len(self.chunk) - last - 1
            else:
                self.column_before += len(self.chunk)
        self.chunk, self.chunk_start = data, offset
        self.position = offset + len(data)
        return data

    def place(self, message: str | bytes) -> str:
        """Where a yajl error happened, from the context it quotes.

        yajl's message is the error, then up to 30 bytes before it and 30 after (newlines
        shown as spaces) padded so the error sits at column 41, then a "(right here)" line.
        """
        raw = message.encode("utf-8") if isinstance(message, str) else message
        lines = raw.split(b"\n")
        relative: int | None = None
        if b"premature EOF" in lines[0]:
            relative = len(self.chunk)
        elif len(lines) > 1:
            before, after = lines[1][:40].lstrip(b" "), lines[1][40:]
            haystack = self.chunk.translate(bytes.maketrans(b"\r\n", b"  "))
            found = haystack.find(before + after) if before + after else -1
            if found >= 0 and haystack.find(before + after, found + 1) < 0:
                relative = found + len(before)
        if relative is None:
            return f"between bytes {self.chunk_start} and {self.position}"
        line = self.lines_before + self.chunk.count(b"\n", 0, relative) + 1
        newline = self.chunk.rfind(b"\n", 0, relative)
        column = relative - newline if newline >= 0 else self.column_before + relative + 1
        return f"at line {line}, column {column} (byte {self.chunk_start + relative})"


def _build(event: str, value: Any, events: Iterator[Event]) -> Any:
    """The whole JSON value that starts with (event, value)."""
    if event not in ("start_map", "start_array"):
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for _prefix, event, value in events:
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                break
    return builder.value


def _skip(event: str, events: Iterator[Event]) -> None:
    """Read past the value that starts with ``event`` without building it."""
    if event not in ("start_map", "start_array"):
        return
    depth = 1
    for _prefix, event, _value in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return


def _ocid(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() and len(value) <= MAX_KEY else None


def _usable_id(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    return len(str(value).strip()) > 0 and len(str(value)) <= MAX_KEY


def _release_fault(release: Any, ocid: str | None = None) -> str | None:
    """Why ``release`` cannot be stored (and merged), or None when it can."""
    if not isinstance(release, dict):
        return f"the release is {_kind(release)}, not an object"
    if "ocid" not in release:
        return "the release has no ocid"
    if _ocid(release["ocid"]) is None:
        return (
            f"the release's ocid {release['ocid']!r} is not a string of 1 to {MAX_KEY} characters"
        )
    if ocid is not None and release["ocid"] != ocid:
        return f"the release's ocid {release['ocid']!r} is not the record's ocid {ocid!r}"
    if not _usable_id(release.get("id")):
        return f"the release has no usable id (id: {release.get('id', 'missing')!r})"
    if store.parse_date(release.get("date")) is None:
        return (
            f"the release has no usable date (date: {release.get('date', 'missing')!r}), "
            "which merging releases into a record needs"
        )
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    return "null" if value is None else names.get(type(value), "a number")


def _is_10(version: Any, item: dict[str, Any], record: bool) -> bool:
    """Whether ``item`` is OCDS 1.0 and needs upgrading.

    A package's ``version`` decides (1.0 packages have none). When the package has not said
    (yet: ``version`` may follow the releases), do as ocdskit does for a bare release or
    record: data with ``parties`` is 1.1.
    """
    if version is not UNKNOWN:
        return version is None or str(version).strip() == "1.0"
    if record:
        releases = item.get("releases")
        parts = [item.get("compiledRelease"), *(releases if isinstance(releases, list) else [])]
        return not any(isinstance(part, dict) and "parties" in part for part in parts)
    return "parties" not in item


def _upgrade(item: dict[str, Any], record: bool) -> list[str]:
    """Upgrade a release, or a record's embedded and compiled releases, from 1.0 to 1.1 in
    place, as ``ocdskit upgrade 1.0:1.1`` does. Returns what ocdskit warned about."""
    targets = []
    if record:
        releases = item.get("releases")
        if isinstance(releases, list):
            targets = [r for r in releases if isinstance(r, dict) and "ocid" in r]
        if isinstance(item.get("compiledRelease"), dict):
            targets.append(item["compiledRelease"])
    else:
        targets = [item]
    with _CapturedLog("ocdskit") as messages:
        for release in targets:
            ocdskit.upgrade_parties_10_to_11(release, reorder=False)
            ocdskit.upgrade_amendments_10_11(release)
            _upgrade_transactions(release)
    return messages


def _upgrade_transactions(release: dict[str, Any]) -> None:
    """``ocdskit.upgrade.upgrade_transactions_10_11``, except that the payers and payees it
    makes are added to ``parties``: ocdskit 1.7.0 refers to them by id but drops the parties
    themselves. It also passes over transactions that are not objects or have no amount."""
    parties = ocdskit._get_parties(release)
    known = set(parties)
    contracts = release.get("contracts")
    for contract in contracts if isinstance(contracts, list) else []:
        implementation = contract.get("implementation") if isinstance(contract, dict) else None
        if not isinstance(implementation, dict):
            continue
        transactions = implementation.get("transactions")
        for payment in transactions if isinstance(transactions, list) else []:
            if not isinstance(payment, dict):
                continue
            if "value" not in payment and "amount" in payment:
                payment["value"] = payment.pop("amount")
            for old, new in (("providerOrganization", "payer"), ("receiverOrganization", "payee")):
                organization = payment.get(old)
                if isinstance(organization, dict) and new not in payment:
                    party = {"identifier": organization}
                    if "legalName" in organization:
                        party["name"] = organization["legalName"]
                    payment[new] = ocdskit._add_party(parties, party, new, reorder=False)
                    del payment[old]
    added = [party for key, party in parties.items() if key not in known]
    if added:
        release.setdefault("parties", []).extend(added)


class _Collect(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _CapturedLog:
    """Collect what a library logs (ocdskit warns when upgrading loses data)."""

    def __init__(self, logger: str) -> None:
        self.logger = logging.getLogger(logger)
        self.messages: list[str] = []
        self.handler = _Collect(self.messages)

    def __enter__(self) -> list[str]:
        self.logger.addHandler(self.handler)
        self.propagate, self.logger.propagate = self.logger.propagate, False
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.propagate = self.propagate


@dataclass
class _Package:
    """What is known of the package (or bare value) whose entries are being read."""

    meta: dict[str, Any]
    # "releases" or "records" for a package whose entries are streamed; "" for a bare value.
    key: str = ""
    publisher: Publisher | None = None
    # Whether ``publisher`` is final: the package's publisher was read before its entries.
    final: bool = True
    # Rows stored under a provisional publisher, re-attributed once the package names its own.
    release_ids: list[int] | None = None
    record_ids: list[int] | None = None
    ocids: set[str] | None = None


class _Rejected(Exception):
    pass


class _Importer:
    def __init__(
        self,
        name: str,
        strict: bool,
        progress: Callable[[int], None] | None,
        report: Report | None,
        problems: bool,
    ) -> None:
        self.name = name
        self.strict = strict
        self.validate = True
        self.progress = progress
        self.say: Report = report or (lambda line: None)
        self.details = problems
        self.counts = Counts()
        self.numbered = name.lower().endswith(LINE_DELIMITED)
        self.pending: dict[str, Publisher] = {}  # ocid → publisher, compiled at the end
        self.current = ""  # the entry being read, for a syntax error
        self.source: _Source | None = None

    # Reporting ------------------------------------------------------------------------------

    def where(self, pointer: str) -> str:
        value = f"value {self.counts.values}: " if self.numbered else ""
        return f"{self.name}: {value}{pointer or '/'}"

    def note(self, pointer: str, message: str) -> None:
        if self.details:
            if len(message) > MAX_MESSAGE:  # jsonschema quotes whole values: keep lines readable
                message = message[: MAX_MESSAGE - 1] + "…"
            self.say(f"{self.where(pointer)}: {message}")

    def reject(self, pointer: str, reason: str) -> None:
        self.counts.rejected += 1
        self.say(f"{self.where(pointer)}: rejected: {reason}")

    # Reading --------------------------------------------------------------------------------

    def run(self, stream: BinaryIO) -> Counts:
        self.source = _Source(stream)
        events: Iterator[Event] = ijson.parse(
            self.source, buf_size=CHUNK, multiple_values=True, use_float=True
        )
        try:
            self.numbered = self.numbered or self.source.looks_line_delimited()
            for _prefix, event, value in events:
                self.counts.values += 1
                if self.counts.values == 2:
                    self.numbered = True
                self.current = ""
                if event == "start_map":
                    self.value(events)
                else:
                    _skip(event, events)
                    self.entry_started()
                    self.reject("", f"the value is {_kind(value)}, not an object")
                    self.entry_done()
        except ijson.JSONError as error:
            self.syntax_error(error)
        except OSError as error:
            self.counts.error = f"the file could not be read: {error}"
            self.say(f"{self.name}: {self.counts.error}; nothing after it was imported")
        self.compile_pending()
        return self.counts

    def syntax_error(self, error: Exception) -> None:
        message = error.args[0] if error.args else str(error)
        assert self.source is not None
        if self.source.position == 0:
            self.counts.error = "the input is empty"
        else:
            place = self.source.place(message)
            text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
            self.counts.error = f"JSON syntax error {place}: {text.splitlines()[0].rstrip('.')}"
        self.say(
            f"{self.where(self.current)}: {self.counts.error}; the rest of the file was not read"
        )

    def value(self, events: Iterator[Event]) -> None:
        """A top-level object: a package (its entries streamed) or a bare release or record."""
        package = _Package(meta={})
        for _prefix, event, key in events:
            if event == "end_map":
                break
            _prefix, event, value = next(events)
            if (
                key in ("releases", "records")
                and event == "start_array"
                and "ocid" not in package.meta
            ):
                package.key = package.key or key
                self.entries(key, events, package)
            else:
                package.meta[key] = _build(event, value, events)
        self.current = ""
        meta = package.meta
        if package.key:
            self.finish_package(package)
        elif "ocid" in meta:
            # A bare release, or a bare record (which has releases or a compiledRelease).
            package.meta = {}
            record = "releases" in meta or "compiledRelease" in meta
            self.entry("record" if record else "release", meta, "", package, UNKNOWN)
        elif "releases" in meta or "records" in meta:
            key = "releases" if "releases" in meta else "records"
            self.entry_started()
            self.reject(f"/{key}", f"{key} is {_kind(meta[key])}, not an array")
            self.entry_done()
        else:
            self.entry_started()
            self.reject(
                "",
                "the object is neither a package (it has no releases or records) "
                "nor a release or record (it has no ocid)",
            )
            self.entry_done()

    def entries(self, key: str, events: Iterator[Event], package: _Package) -> None:
        """Each item of a package's releases or records array, one at a time."""
        kind = "release" if key == "releases" else "record"
        # Only each item's first event passes through enumerate: _build reads the rest.
        for index, (_prefix, event, value) in enumerate(events):
            if event == "end_array":
                break
            self.current = f"/{key}/{index}"
            item = _build(event, value, events)
            self.entry(kind, item, self.current, package, package.meta.get("version", UNKNOWN))

    # Entries --------------------------------------------------------------------------------

    def entry_started(self) -> None:
        self.counts.read += 1

    def entry_done(self) -> None:
        if self.progress is not None:
            assert self.source is not None
            self.progress(self.source.position)

    def entry(self, kind: str, item: Any, pointer: str, package: _Package, version: Any) -> None:
        self.entry_started()
        if kind == "release":
            self.counts.releases += 1
        else:
            self.counts.records += 1
        try:
            self.handle(kind, item, pointer, package, version)
        except _Rejected as reason:
            self.reject(pointer, str(reason))
        except schema.SchemaUnavailable:
            raise
        except Exception as error:  # foreign data: one bad entry must not stop the file
            self.reject(pointer, f"it could not be stored ({type(error).__name__}: {error})")
        self.entry_done()

    def publisher(self, package: _Package) -> Publisher:
        """The package's publisher; a provisional one when the package has not named it yet."""
        if package.publisher is None:
            package.publisher = store.external_publisher(package.meta)
            if package.key and "publisher" not in package.meta:
                package.final = False
                package.release_ids, package.record_ids, package.ocids = [], [], set()
        return package.publisher

    def handle(self, kind: str, item: Any, pointer: str, package: _Package, version: Any) -> None:
        if not isinstance(item, dict):
            raise _Rejected(f"the {kind} is {_kind(item)}, not an object")
        if kind == "release":
            fault = _release_fault(item)
            if fault:
                raise _Rejected(fault)
        elif "ocid" not in item:
            raise _Rejected("the record has no ocid")
        elif _ocid(item["ocid"]) is None:
            raise _Rejected(
                f"the record's ocid {item['ocid']!r} is not a string of 1 to {MAX_KEY} characters"
            )
        if str(item["ocid"]).startswith(f"{settings.OCDS_PREFIX}-"):
            raise _Rejected(
                f"the ocid {item['ocid']!r} has this site's own prefix: only this site publishes it"
            )
        found = self.upgrade(item, kind == "record", pointer, version)
        found += self.check(item, kind, pointer)
        if found and self.strict:
            raise _Rejected(f"it has {found} schema problem(s) and the import is strict")
        publisher = self.publisher(package)
        if kind == "release":
            outcome = self.store_release(item, publisher, package)
        else:
            outcome = self.store_record(item, pointer, publisher, package)
        setattr(self.counts, outcome, getattr(self.counts, outcome) + 1)
        if found:
            self.counts.invalid += 1

    def upgrade(self, item: dict[str, Any], record: bool, pointer: str, version: Any) -> int:
        """Upgrade 1.0 data to 1.1; returns 1 when that failed (the entry is kept as published)."""
        if not _is_10(version, item, record):
            return 0
        published = json.dumps(item)
        try:
            warned = _upgrade(item, record)
        except Exception as error:  # ocdskit expects well-formed 1.0 data
            item.clear()
            item.update(json.loads(published))
            self.note(
                pointer,
                f"could not be upgraded from OCDS 1.0 to 1.1 ({type(error).__name__}: {error}); "
                "kept as published",
            )
            return 1
        for message in warned:
            self.note(pointer, f"upgrading from OCDS 1.0: {message.splitlines()[0]}")
        return 0

    def check(self, item: dict[str, Any], kind: str, pointer: str) -> int:
        """Report every schema problem of the entry; returns how many there are."""
        if not self.validate:
            return 0
        if kind == "release":
            found = list(schema.problems(item, "release", prefix=pointer))
        else:
            wrapped = {**RECORD_WRAPPER, "records": [item]}
            found = [
                schema.Problem(pointer + p.pointer.removeprefix("/records/0"), p.message)
                for p in schema.problems(wrapped, "record-package")
            ]
        for problem in found:
            self.note(problem.pointer, problem.message)
        return len(found)

    def store_release(
        self, release: dict[str, Any], publisher: Publisher, package: _Package
    ) -> store.Outcome:
        with transaction.atomic():
            outcome, row = store.store_release(publisher, release)
        ocid = str(release["ocid"])
        # The record is compiled at the end, unless nothing changed: a release stored before
        # was compiled then (and a record may since have come from a record package).
        if outcome != "unchanged" or (
            ocid not in self.pending and not Record.objects.filter(ocid=ocid).exists()
        ):
            self.pending[ocid] = publisher
        if not package.final and outcome != "unchanged":
            assert package.release_ids is not None and package.ocids is not None
            package.release_ids.append(row.pk)
            package.ocids.add(ocid)
        return outcome

    def store_record(
        self, record: dict[str, Any], pointer: str, publisher: Publisher, package: _Package
    ) -> store.Outcome:
        ocid: str = record["ocid"]
        releases = record.get("releases")
        embedded = (
            isinstance(releases, list)
            and len(releases) > 0
            and all(isinstance(r, dict) and "ocid" in r for r in releases)
        )
        if embedded:
            assert isinstance(releases, list)
            for index, release in enumerate(releases):
                fault = _release_fault(release, ocid)
                if fault:
                    raise _Rejected(f"/releases/{index}: {fault}")
            changed = False
            with transaction.atomic():
                for release in releases:
                    release_outcome, row = store.store_release(publisher, release)
                    changed = changed or release_outcome != "unchanged"
                    if not package.final and release_outcome != "unchanged":
                        assert package.release_ids is not None
                        package.release_ids.append(row.pk)
                outcome, saved, warned = self.compile(ocid, publisher)
            for warning in warned:
                self.note(pointer, f"merging: {warning}")
            if outcome == "unchanged" and changed:
                outcome = "updated"
        else:
            compiled = record.get("compiledRelease")
            if not isinstance(compiled, dict):
                raise _Rejected(
                    "the record has neither embedded releases nor a compiledRelease object"
                )
            if "ocid" not in compiled:
                compiled["ocid"] = ocid
                self.note(pointer + "/compiledRelease", "has no ocid: the record's ocid is used")
            elif compiled["ocid"] != ocid:
                self.note(
                    pointer + "/compiledRelease/ocid",
                    f"{compiled['ocid']!r} is not the record's ocid {ocid!r}",
                )
            versioned = record.get("versionedRelease")
            if versioned is not None and not isinstance(versioned, dict):
                self.note(
                    pointer + "/versionedRelease",
                    f"is {_kind(versioned)}, not an object: it is not stored",
                )
                versioned = None
            linked = releases if isinstance(releases, list) else []
            dates = [store.parse_date(r.get("date")) for r in linked if isinstance(r, dict)]
            dates.append(store.parse_date(compiled.get("date")))
            known = [date for date in dates if date is not None]
            if not known:
                raise _Rejected("neither the record's releases nor its compiledRelease has a date")
            with transaction.atomic():
                outcome, saved = store.save_record(
                    publisher, ocid, compiled, versioned, linked, max(known)
                )
        if not package.final and outcome != "unchanged":
            assert package.record_ids is not None
            package.record_ids.append(saved.pk)
        return outcome

    def compile(self, ocid: str, publisher: Publisher) -> tuple[store.Outcome, Record, list[str]]:
        """Compile the record of ``ocid``, with what ocdsmerge warned about (duplicate ids)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome, record = store.compile_record(ocid, publisher)
        return outcome, record, sorted({str(w.message) for w in caught})

    # After the entries ----------------------------------------------------------------------

    def finish_package(self, package: _Package) -> None:
        """Attribute entries read before the package named its publisher, and check the
        package's own fields (uri, publishedDate, publisher, license, …)."""
        meta = package.meta
        if not package.final and package.publisher is not None:
            named = store.external_publisher(meta)
            provisional = package.publisher
            if named.pk != provisional.pk:
                assert package.release_ids is not None and package.record_ids is not None
                for start in range(0, len(package.release_ids), BATCH):
                    ids = package.release_ids[start : start + BATCH]
                    Release.objects.filter(pk__in=ids).update(publisher=named)
                for start in range(0, len(package.record_ids), BATCH):
                    ids = package.record_ids[start : start + BATCH]
                    Record.objects.filter(pk__in=ids).update(publisher=named)
                for ocid in package.ocids or ():
                    if self.pending.get(ocid) == provisional:
                        self.pending[ocid] = named
                if not (provisional.releases.exists() or provisional.records.exists()):
                    provisional.delete()
            package.publisher = named
        license = meta.get("license")
        publisher = package.publisher
        if publisher is not None and not publisher.license and isinstance(license, str) and license:
            publisher.license = license.strip()[:500]
            publisher.save(update_fields=["license"])
        if self.details:
            self.check_package(meta, package.key)

    def check_package(self, meta: dict[str, Any], key: str) -> None:
        """Report the problems of the package's own fields (its entries were checked alone)."""
        if not self.validate:
            return
        document = dict(meta)
        if document.get("version") in (None, "1.0"):
            document["version"] = "1.1"  # upgraded with its entries, as ocdskit does
        kind = "record-package" if key == "records" else "release-package"
        for problem in schema.problems(document, kind):
            if problem.pointer == "" and problem.message == f"'{key}' is a required property":
                continue
            self.note(problem.pointer, problem.message)

    def compile_pending(self) -> None:
        """Compile, once each, the records of the ocids whose releases were read."""
        for ocid, publisher in self.pending.items():
            try:
                with transaction.atomic():
                    outcome, _record, warned = self.compile(ocid, publisher)
            except Exception as error:  # releases that cannot be merged
                self.counts.uncompiled += 1
                self.say(
                    f"{self.name}: ocid {ocid}: the record could not be compiled "
                    f"({type(error).__name__}: {error}); its releases are stored"
                )
            else:
                if outcome != "unchanged":
                    self.counts.compiled += 1
                if self.details:
                    for warning in warned:
                        self.say(f"{self.name}: ocid {ocid}: merging: {warning}")
        self.pending.clear()
