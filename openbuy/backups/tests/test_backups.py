"""`openbuy backup` and `openbuy restore`, on whichever database the suite runs on.

A restore brings back exactly what was backed up (the content hash says so) and the uploaded
files; anything that is not a whole backup of this engine is refused and changes nothing.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from openbuy.accounts import services as accounts
from openbuy.audit.services import verify_chain
from openbuy.backups import services
from openbuy.backups.selectors import content_digest
from openbuy.discussion import services as discussion
from openbuy.needs import services as needs
from openbuy.needs.models import Attachment, Need, Support

# Backups read the database through connections of their own, which see only committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out, **options)
    return out.getvalue()


def test_a_restore_brings_back_every_row_and_file_as_they_were(tmp_path, bulk_posting):
    run("demo")
    need = Need.objects.order_by("pk").first()
    attachment = needs.attachment_add(
        actor=need.author,
        need=need,
        upload=SimpleUploadedFile("survey.txt", b"42 people asked for a ramp\n", "text/plain"),
    )
    kept_file = Path(attachment.file.path)
    before = content_digest().sha256
    assert content_digest().sha256 == before  # the same content, the same hash

    backup = tmp_path / "openbuy.tar.gz"
    output = run("backup", str(backup))
    assert before in output and "1 uploaded files" in output

    # After the backup: a comment, a renamed person, a support and a file deleted, a stray file.
    author = need.author
    discussion.comment_post(actor=author, target=need, body="Written after the backup.")
    accounts.user_update_profile(actor=author, user=author, name="Someone Else")
    support = Support.objects.order_by("pk").first()
    support_id, attachment_id = support.pk, attachment.pk
    support.delete()
    attachment.delete()
    kept_file.unlink()
    stray = Path(settings.MEDIA_ROOT) / "needs" / "stray.txt"
    stray.write_text("not in the backup")
    assert content_digest().sha256 != before

    output = run("restore", str(backup), interactive=False)

    assert content_digest().sha256 == before
    assert f"Content hash {before} matches" in output
    assert "Audit chain intact" in output and verify_chain().ok
    assert Support.objects.filter(pk=support_id).exists()
    assert Attachment.objects.get(pk=attachment_id).file.read() == b"42 people asked for a ramp\n"
    assert kept_file.read_bytes() == b"42 people asked for a ramp\n"
    assert not stray.exists()
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).iterdir()) == ["needs"]


def test_backup_verify_and_hash(personas, tmp_path):
    backup = tmp_path / "openbuy.tar.gz"
    run("backup", str(backup))
    digest = content_digest().sha256
    assert run("backup", "--hash").strip() == digest
    assert f"content hash {digest}" in run("backup", "--verify", str(backup))
    damaged = _rewrite(backup, tmp_path / "damaged.tar.gz", damage_database=True)
    with pytest.raises(CommandError, match="does not match the checksum"):
        run("backup", "--verify", str(damaged))


def test_restore_refuses_anything_but_a_whole_backup_and_changes_nothing(personas, tmp_path):
    backup = tmp_path / "openbuy.tar.gz"
    run("backup", str(backup))
    accounts.user_update_profile(
        actor=personas["resident"], user=personas["resident"], name="Changed After The Backup"
    )
    before = content_digest().sha256

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    cut_short = tmp_path / "cut.tar.gz"
    cut_short.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    refusals = {
        not_a_backup: "is not an openbuy backup",
        tmp_path / "missing.tar.gz": "There is no file",
        cut_short: "not a complete openbuy backup",
        _rewrite(backup, tmp_path / "damaged.tar.gz", damage_database=True): "is damaged",
        _rewrite(backup, tmp_path / "other.tar.gz", engine=other): "can only be restored into",
        _rewrite(
            backup, tmp_path / "newer.tar.gz", migration=("needs", "9999_from_the_future")
        ): "made by a newer openbuy",
    }
    for file, message in refusals.items():
        with pytest.raises(CommandError, match=message):
            run("restore", str(file), interactive=False)
        assert content_digest().sha256 == before, file.name
    assert list(Path(settings.MEDIA_ROOT).iterdir()) == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_postgresql_restore_that_fails_part_way_changes_nothing(personas, tmp_path, monkeypatch):
    backup = tmp_path / "openbuy.tar.gz"
    run("backup", str(backup))
    accounts.user_update_profile(
        actor=personas["resident"], user=personas["resident"], name="Changed After The Backup"
    )
    before = content_digest().sha256
    # Every table has been dropped when this fails: the one transaction must undo that too.
    monkeypatch.setattr(services, "_DROP_TABLES", services._DROP_TABLES + "SELECT 1 / 0;")
    with pytest.raises(CommandError, match="could not be restored"):
        run("restore", str(backup), interactive=False)
    assert content_digest().sha256 == before


def _rewrite(
    source: Path,
    target: Path,
    *,
    damage_database: bool = False,
    engine: str | None = None,
    migration: tuple[str, str] | None = None,
) -> Path:
    """A copy of a backup with one thing changed; checksums are left as they were."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as copy:
        for member in original:
            data = original.extractfile(member).read()
            if member.name == services.MANIFEST:
                manifest = json.loads(data)
                manifest["engine"] = engine or manifest["engine"]
                if migration:
                    manifest["migrations"].append(list(migration))
                data = json.dumps(manifest).encode()
            elif member.name.startswith("database") and damage_database:
                middle = len(data) // 2
                flipped = bytes(byte ^ 0xFF for byte in data[middle : middle + 100])
                data = data[:middle] + flipped + data[middle + 100 :]
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target
