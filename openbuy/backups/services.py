"""Backing up and restoring the whole of openbuy: the database and the uploaded files.

A backup is one gzip'd tar file. Its first member, ``openbuy-backup.json`` (the manifest), says
which engine it came from, when, the content hash of the database at that moment, the
migrations it had, and the size and SHA-256 of every other member: the database copy (a SQLite
file made with SQLite's online backup, or a ``pg_dump`` custom-format dump) and each file under
MEDIA_ROOT, as ``media/<path>``. See docs/adr/020-backup-and-restore.md.

A restore checks the whole file before it changes anything, then replaces the database in one
step (SQLite's backup API into the live file, which writes in one transaction; on PostgreSQL one
``psql --single-transaction``), then swaps the uploaded files, then checks the content hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from openbuy import clock, pagecache
from openbuy.backups.selectors import applied_migrations, content_digest, snapshot

FORMAT = "openbuy-backup"
VERSION = 1
MANIFEST = "openbuy-backup.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Folders a restore makes inside MEDIA_ROOT while it swaps the files; never backed up.
_STAGING_PREFIX = ".openbuy-restore-"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup could not be made, read or restored; the message says why, for an operator."""


@dataclass(frozen=True)
class Manifest:
    engine: str
    created_at: str
    content_hash: str
    tables: int
    rows: int
    migrations: list[tuple[str, str]]
    members: dict[str, dict[str, Any]]
    tool: str

    @property
    def files(self) -> int:
        return sum(1 for name in self.members if name.startswith(MEDIA_PREFIX))

    def as_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "engine": self.engine,
            "created_at": self.created_at,
            "content_hash": self.content_hash,
            "tables": self.tables,
            "rows": self.rows,
            "migrations": [list(pair) for pair in self.migrations],
            "members": self.members,
            "tool": self.tool,
        }
        return json.dumps(document, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            document = json.loads(data)
            if document.get("format") != FORMAT:
                raise ValueError
        except (ValueError, AttributeError):
            raise BackupError("This is not an openbuy backup: its manifest is not one.") from None
        if document.get("version") != VERSION:
            raise BackupError(
                f"This backup is in format version {document.get('version')}; this openbuy "
                f"reads version {VERSION}. Restore it with the openbuy that made it."
            )
        try:
            return cls(
                engine=str(document["engine"]),
                created_at=str(document["created_at"]),
                content_hash=str(document["content_hash"]),
                tables=int(document["tables"]),
                rows=int(document["rows"]),
                migrations=[(str(app), str(name)) for app, name in document["migrations"]],
                members={str(k): dict(v) for k, v in document["members"].items()},
                tool=str(document.get("tool", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise BackupError("This backup's manifest is incomplete or damaged.") from None


# --- making a backup ------------------------------------------------------------------------


def backup_create(*, path: Path) -> Manifest:
    """Write a backup of the database and the uploaded files to ``path``.

    The database is copied at one moment while the site keeps running; the uploaded files are
    copied after it, so every file the copy refers to is there unless it was deleted meanwhile.
    The file appears at ``path`` only once complete.
    """
    path = Path(path)
    _require_no_transaction()
    engine = connection.vendor
    if engine not in DATABASE_MEMBER:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".openbuy-backup-") as work:
        database = Path(work) / DATABASE_MEMBER[engine]
        with snapshot() as db:
            tool = _sqlite_copy(db, database) if engine == "sqlite" else _pg_dump(db, database)
            digest = content_digest(db)
            migrations = applied_migrations(db)
        members = {DATABASE_MEMBER[engine]: _describe(database)}
        media = _media_files()
        for name, file in media.items():
            members[name] = _describe(file)
        manifest = Manifest(
            engine=engine,
            created_at=clock.now().isoformat(),
            content_hash=digest.sha256,
            tables=len(digest.tables),
            rows=digest.rows,
            migrations=migrations,
            members=members,
            tool=tool,
        )
        partial = Path(work) / "backup.partial"
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            _add_bytes(archive, MANIFEST, manifest.as_json())
            archive.add(database, arcname=DATABASE_MEMBER[engine], recursive=False)
            for name, file in media.items():
                archive.add(file, arcname=name, recursive=False)
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, path)
    return manifest


def _sqlite_copy(db: BaseDatabaseWrapper, target: Path) -> str:
    destination = sqlite3.connect(target)
    try:
        # The snapshot's connection is inside its read transaction: the copy is of that moment.
        db.connection.backup(destination)
    finally:
        destination.close()
    return f"SQLite {sqlite3.sqlite_version} online backup"


def _pg_dump(db: BaseDatabaseWrapper, target: Path) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot_id,) = cursor.fetchone()
    tool = _pg_tool("pg_dump", db)
    _run_pg(
        db,
        "pg_dump",
        ["--format=custom", f"--snapshot={snapshot_id}", f"--file={target}"],
        with_database=True,
    )
    return tool


def _media_files() -> dict[str, Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return {}
    files = {}
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(root)
        if relative.parts[0].startswith(_STAGING_PREFIX):
            continue
        if file.is_file() and not file.is_symlink():
            files[MEDIA_PREFIX + relative.as_posix()] = file
    return files


def _describe(file: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return {"size": file.stat().st_size, "sha256": digest.hexdigest()}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(clock.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


# --- reading a backup -----------------------------------------------------------------------


def backup_check(*, path: Path) -> Manifest:
    """Read the whole backup and check every member against the manifest, and that the database
    copy in it can be read; change nothing. Raises :class:`BackupError` naming the problem."""
    with tempfile.TemporaryDirectory(prefix=".openbuy-check-") as work:
        manifest = _unpack(Path(path), Path(work))
        _check_database_copy(manifest, Path(work))
    return manifest


def _unpack(path: Path, into: Path) -> Manifest:
    """Extract every member into ``into`` (media under ``into/media``), checking each against the
    manifest. Names come from the manifest, never from the archive, so nothing lands outside."""
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 - closed by the `with` below
        first = archive.next()
    except (tarfile.TarError, EOFError, zlib.error, OSError):
        first = None
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BackupError(f"{path} is not an openbuy backup: it does not start with a manifest.")
    try:
        with archive:
            manifest = Manifest.from_json(_read_member(archive, first).read())
            seen = set()
            for member in archive:
                if member is first:
                    continue
                expected = manifest.members.get(member.name)
                if expected is None or not member.isfile() or member.name in seen:
                    raise BackupError(
                        f"{path} is damaged: it holds {member.name!r}, which its manifest "
                        "does not list."
                    )
                seen.add(member.name)
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                _copy_checked(_read_member(archive, member), target, member.name, expected)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(
            f"{path} is not a complete openbuy backup (it may be cut short or damaged): {exc}"
        ) from None
    missing = sorted(set(manifest.members) - seen)
    if missing:
        raise BackupError(
            f"{path} is incomplete: {len(missing)} of its members are missing, "
            f"first {missing[0]!r}."
        )
    return manifest


def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError(f"The backup's member {member.name!r} is not a file.")
    return handle


def _copy_checked(source: IO[bytes], target: Path, name: str, expected: dict) -> None:
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(
            f"The backup is damaged: {name!r} does not match the checksum in its manifest."
        )


def _check_database_copy(manifest: Manifest, work: Path) -> None:
    copy = work / DATABASE_MEMBER.get(manifest.engine, "missing")
    if manifest.engine == "sqlite":
        try:
            with snapshot_of_sqlite_file(copy) as db:
                with db.cursor() as cursor:
                    cursor.execute("PRAGMA integrity_check")
                    problems = [row[0] for row in cursor.fetchall()]
                if problems != ["ok"]:
                    raise BackupError(f"The database in the backup is damaged: {problems[0]}")
                found = content_digest(db).sha256
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"The database in the backup cannot be read: {exc}") from None
        if found != manifest.content_hash:
            raise BackupError("The database in the backup does not match its content hash.")
    elif manifest.engine == "postgresql":
        _run_pg(connection, "pg_restore", ["--list", str(copy)], with_database=False)


def snapshot_of_sqlite_file(file: Path):
    """A :func:`snapshot` of a SQLite file, as long as the current database is SQLite too."""
    if connection.vendor != "sqlite":
        raise BackupError("A SQLite backup can only be checked where openbuy runs on SQLite.")
    return snapshot(sqlite_file=str(file))


# --- restoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    content_hash: str
    migrations_to_apply: list[tuple[str, str]]


def backup_restore(*, path: Path) -> RestoreReport:
    """Replace the database and the uploaded files with the backup's.

    Everything is checked first; a backup that is not one, is cut short or damaged, comes from
    the other engine or from a newer openbuy is refused and nothing changes. The database is
    replaced in one transaction, so a failure part way leaves it as it was.
    """
    _require_no_transaction()
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    # Unpacked inside MEDIA_ROOT, so that the uploaded files move into place by renaming.
    staging = Path(tempfile.mkdtemp(dir=media_root, prefix=_STAGING_PREFIX))
    try:
        manifest = _unpack(Path(path), staging)
        if manifest.engine != connection.vendor:
            raise BackupError(
                f"This is a backup of a {ENGINE_NAMES.get(manifest.engine, manifest.engine)} "
                f"database, and this openbuy uses {ENGINE_NAMES[connection.vendor]}. A backup "
                "can only be restored into the engine it came from."
            )
        unknown = _unknown_migrations(manifest)
        if unknown:
            app, name = unknown[0]
            raise BackupError(
                f"This backup was made by a newer openbuy: it has {len(unknown)} migrations this "
                f"one does not know, first {app}.{name}. Upgrade openbuy, then restore it."
            )
        _check_database_copy(manifest, staging)
        database = staging / DATABASE_MEMBER[manifest.engine]
        connection.close()
        if manifest.engine == "sqlite":
            _sqlite_restore(database)
        else:
            _pg_restore(database)
        connection.close()
        _swap_media(media_root, staging / "media")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    pagecache.invalidate()  # written by pg_restore/the backup API, which the watch cannot see
    found = content_digest().sha256
    if found != manifest.content_hash:
        raise BackupError(
            "The database was restored, but its content hash is not the backup's: "
            f"{found} against {manifest.content_hash}. Restore again, and report this."
        )
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return RestoreReport(manifest, found, [(m.app_label, m.name) for m, _ in plan])


def _unknown_migrations(manifest: Manifest) -> list[tuple[str, str]]:
    """Migrations the backup's database had that this code does not (of apps it still has)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    installed = {config.label for config in apps.get_app_configs()}
    return sorted(m for m in set(manifest.migrations) - known if m[0] in installed)


def _sqlite_restore(database: Path) -> None:
    live = str(connection.settings_dict["NAME"])
    source = sqlite3.connect(database)
    target = sqlite3.connect(live, timeout=60)
    try:
        # The copy into the live file is one write transaction: readers see the old database
        # or the new one, and a crash part way leaves the old one.
        source.backup(target)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The database could not be restored (nothing changed): {exc}") from None
    finally:
        target.close()
        source.close()


def _pg_restore(dump: Path) -> None:
    script = dump.with_suffix(".sql")
    # The whole dump is turned into SQL first, so a damaged dump stops us before any change.
    _run_pg(
        connection,
        "pg_restore",
        ["--no-owner", "--no-privileges", "--clean", "--if-exists", f"--file={script}", str(dump)],
        with_database=False,
    )
    _run_pg(
        connection,
        "psql",
        [
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--command={_DROP_TABLES}",
            f"--file={script}",
        ],
        with_database=True,
        failure="The database could not be restored (nothing changed)",
    )


# Tables that exist now but not in the backup (from a later migration) go too; the dump's own
# DROP … IF EXISTS statements remove the rest (functions, sequences) before recreating them.
_DROP_TABLES = """
DO $$
DECLARE name text;
BEGIN
  FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', name);
  END LOOP;
END $$;
"""


def _swap_media(media_root: Path, restored: Path) -> None:
    """Put the backup's uploaded files in place of the current ones, by renaming inside
    MEDIA_ROOT (which may be a mount point, so it is never renamed itself)."""
    old = Path(tempfile.mkdtemp(dir=media_root, prefix=_STAGING_PREFIX))
    for entry in media_root.iterdir():
        if not entry.name.startswith(_STAGING_PREFIX):
            entry.rename(old / entry.name)
    if restored.is_dir():
        for entry in restored.iterdir():
            entry.rename(media_root / entry.name)
    shutil.rmtree(old, ignore_errors=True)


# --- PostgreSQL's client tools --------------------------------------------------------------


def _pg_tool(tool: str, db: BaseDatabaseWrapper) -> str:
    """The tool's version line, once checked against the server's: a client older than the
    server cannot dump it."""
    try:
        result = subprocess.run(  # noqa: S603 - a fixed tool name, no shell
            [tool, "--version"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        raise BackupError(
            f"{tool} is needed for PostgreSQL backups and was not found: install the PostgreSQL "
            "client tools (Debian: postgresql-client) of the server's version or newer."
        ) from None
    line = result.stdout.strip()
    match = re.search(r"(\d+)(?:\.\d+)?", line)
    client_major = int(match.group(1)) if match else 0
    server_major = db.pg_version // 10000  # type: ignore[attr-defined]
    if client_major < server_major:
        raise BackupError(
            f"{line} is older than the PostgreSQL {server_major} server: install the client "
            f"tools of version {server_major} or newer."
        )
    return line


def _run_pg(
    db: BaseDatabaseWrapper,
    tool: str,
    arguments: list[str],
    *,
    with_database: bool,
    failure: str = "",
) -> None:
    _pg_tool(tool, db)
    args, env = DatabaseClient.settings_to_cmd_args_env(db.settings_dict, [])
    command = [tool, *arguments]
    if with_database:
        command += args[1:]  # -U user -h host -p port dbname, as `openbuy dbshell` connects
    result = subprocess.run(  # noqa: S603 - argument list, no shell
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
        raise BackupError(f"{failure or tool + ' failed'}: {detail[0]}")


def _require_no_transaction() -> None:
    if connection.in_atomic_block:
        raise BackupError("Backups and restores cannot run inside a database transaction.")
