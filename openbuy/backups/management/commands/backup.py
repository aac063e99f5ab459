from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openbuy.backups import services
from openbuy.backups.selectors import content_digest


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files to one file, while the site runs "
        "(`openbuy backup PATH`); check a backup (`--verify PATH`); or print the content hash of "
        "the database (`--hash`). Restore with `openbuy restore PATH`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, help="the backup file")
        what = parser.add_mutually_exclusive_group()
        what.add_argument(
            "--verify",
            action="store_true",
            help="read the backup at PATH and check it is complete and undamaged; change nothing",
        )
        what.add_argument(
            "--hash",
            action="store_true",
            help="print the content hash of the database (-v 2: of each table too)",
        )

    def handle(self, *args, path, verify: bool, hash: bool, verbosity: int, **options):
        if hash:
            if path is not None:
                raise CommandError("--hash takes no PATH: it hashes the database itself.")
            digest = content_digest()
            if verbosity >= 2:
                for table in digest.tables:
                    self.stdout.write(f"{table.sha256}  {table.rows:>9}  {table.name}")
            self.stdout.write(digest.sha256)
            return
        if path is None:
            raise CommandError("Give the backup file: openbuy backup PATH")
        try:
            if verify:
                manifest = services.backup_check(path=path)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{path} is a complete backup of a {services.ENGINE_NAMES[manifest.engine]}"
                        f" database made {manifest.created_at}: {manifest.tables} tables, "
                        f"{manifest.rows} rows, {manifest.files} uploaded files, content hash "
                        f"{manifest.content_hash}"
                    )
                )
                return
            manifest = services.backup_create(path=path)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from None
        size = path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {manifest.tables} tables ({manifest.rows} rows) and "
                f"{manifest.files} uploaded files to {path} ({size:,} bytes). "
                f"Content hash {manifest.content_hash}"
            )
        )
