"""Sealed submissions: what is stored cannot be read, moved or altered without it showing, and a
receipt is the SHA-256 of exactly what was sent."""

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.test import override_settings

from openbuy.processes import sealing, services
from openbuy.processes.models import Submission, SubmissionFile
from openbuy.processes.sealing import SealError

CONTENT = {"answers": {"1": "Ramps at every door", "3": "Local staff"}, "price": "1000.00"}


def test_a_sealed_value_opens_where_it_was_sealed():
    sealed = sealing.seal(b"our answer", process_id=1, organisation_id=2)
    assert b"our answer" not in sealed
    assert sealing.unseal(sealed, process_id=1, organisation_id=2) == b"our answer"
    # The same value sealed twice differs (a fresh nonce each time), yet both open.
    again = sealing.seal(b"our answer", process_id=1, organisation_id=2)
    assert again != sealed
    assert sealing.unseal(memoryview(again), process_id=1, organisation_id=2) == b"our answer"
    as_json = sealing.seal_json(CONTENT, process_id=1, organisation_id=2)
    assert sealing.unseal_json(as_json, process_id=1, organisation_id=2) == CONTENT


@pytest.mark.parametrize("position", [0, 1, 13, -1])
def test_a_tampered_value_does_not_open(position):
    sealed = bytearray(sealing.seal(b"our answer", process_id=1, organisation_id=2))
    sealed[position] ^= 0x01
    with pytest.raises(SealError):
        sealing.unseal(bytes(sealed), process_id=1, organisation_id=2)


@pytest.mark.parametrize("value", [b"", b"\x01short", b"plain text that was never sealed"])
def test_what_was_never_sealed_does_not_open(value):
    with pytest.raises(SealError):
        sealing.unseal(value, process_id=1, organisation_id=2)


@pytest.mark.parametrize(
    "place",
    [
        {"process_id": 9, "organisation_id": 2},
        {"process_id": 1, "organisation_id": 9},
        {"process_id": 1, "organisation_id": 2, "what": "file"},
    ],
    ids=["another process", "another organisation", "a file's place"],
)
def test_a_value_moved_elsewhere_does_not_open(place):
    sealed = sealing.seal(b"our answer", process_id=1, organisation_id=2)
    with pytest.raises(SealError):
        sealing.unseal(sealed, **place)


def test_each_process_has_its_own_key():
    assert sealing.process_key(1) != sealing.process_key(2)
    assert len(sealing.process_key(1)) == 32


def test_another_seal_key_cannot_open_it():
    with override_settings(SEAL_KEY="the key in production"):
        sealed = sealing.seal(b"our answer", process_id=1, organisation_id=2)
        assert sealing.unseal(sealed, process_id=1, organisation_id=2) == b"our answer"
    with override_settings(SEAL_KEY="a key somebody guessed"), pytest.raises(SealError):
        sealing.unseal(sealed, process_id=1, organisation_id=2)
    # Nor does the secret key the site falls back on without one.
    with override_settings(SEAL_KEY=""), pytest.raises(SealError):
        sealing.unseal(sealed, process_id=1, organisation_id=2)


def test_a_receipt_is_the_sha256_of_the_canonical_content():
    reordered = {"price": "1000.00", "answers": {"3": "Local staff", "1": "Ramps at every door"}}
    assert sealing.canonical(CONTENT) == sealing.canonical(reordered)
    assert sealing.canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    assert sealing.receipt(CONTENT) == hashlib.sha256(sealing.canonical(CONTENT)).hexdigest()
    assert sealing.receipt(CONTENT) == sealing.receipt(reordered)
    changed = json.loads(json.dumps(CONTENT))
    changed["price"] = "1000.01"
    assert sealing.receipt(changed) != sealing.receipt(CONTENT)


def test_a_submission_copied_onto_another_row_does_not_open(personas, tender, submit, rival):
    ours = submit(tender)
    theirs = submit(tender, "rival")
    Submission.objects.filter(pk=theirs.pk).update(sealed=bytes(ours.sealed))
    with pytest.raises(SealError):
        services.submission_content(Submission.objects.get(pk=theirs.pk))


# --- nothing readable in the database ---------------------------------------------------------

MARKER = "zq-sealed-marker-7f3a9c"


def _every_stored_value():
    """Every value of every row of every table, as text and (for binary columns) bytes."""
    texts, blobs = [], []
    for model in apps.get_models(include_auto_created=True):
        binary = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)
        ]
        for row in model._base_manager.values():
            texts.append(repr(row))
            blobs += [bytes(row[name]) for name in binary if row[name] is not None]
    return texts, blobs


def test_nothing_about_a_sealed_submission_is_readable_in_a_database_dump(
    personas, tender, submit, settings
):
    upload = SimpleUploadedFile(
        f"{MARKER}.txt",
        f"Notes about {MARKER} for the panel.\n".encode(),
        content_type="text/plain",
    )
    submission = submit(tender, text=f"Our answer mentions {MARKER}", add_files=[upload])
    # The marker is really in what was sealed (or this test proves nothing).
    content = services.submission_content(submission)
    assert MARKER in content["answers"]["1"]
    assert MARKER in content["files"][0]["name"]
    _, data = services.file_content(submission, content["files"][0]["id"])
    assert MARKER.encode() in data
    assert SubmissionFile.objects.count() == 1

    texts, blobs = _every_stored_value()
    # The scan reads what is there: the tender's title, and the two sealed blobs.
    assert any(tender.title in text for text in texts)
    assert bytes(submission.sealed) in blobs and len(blobs) >= 2
    for text in texts:
        assert MARKER not in text, text
    for blob in blobs:
        assert MARKER.encode() not in blob

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert submission.receipt in dump.getvalue()  # the dump holds the submission's row
    assert MARKER not in dump.getvalue()

    # Nor did the sealed content leave by email or into the file store.
    for message in mail.outbox:
        assert MARKER not in message.subject + message.body
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        assert MARKER not in path.name
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes()
