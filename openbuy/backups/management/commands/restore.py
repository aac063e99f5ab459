from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from openbuy.audit.services import verify_chain
from openbuy.backups import services


class Command(BaseCommand):
    help = (
        "Replace the whole database and the uploaded files with a backup made by "
        "`openbuy backup`. The backup is checked first; if anything is wrong nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup file")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, path: Path, interactive: bool, **options):
        if interactive:
            answer = input(
                f"This replaces everything in the database {connection.settings_dict['NAME']} "
                f"and every file in {settings.MEDIA_ROOT} with the backup {path}.\n"
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing changed.")
        try:
            report = services.backup_restore(path=path)
        except services.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = report.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path} (made {manifest.created_at}): {manifest.tables} tables, "
                f"{manifest.rows} rows, {manifest.files} uploaded files. Content hash "
                f"{report.content_hash} matches the backup's."
            )
        )
        chain = verify_chain()
        if chain.broken_at is None:
            self.stdout.write(f"Audit chain intact: {chain.checked} events, head {chain.head}")
        else:
            self.stderr.write(
                f"The audit chain in this backup is broken at event #{chain.broken_at.pk}: "
                f"{chain.problem}. Run `openbuy audit verify` for details."
            )
        if report.migrations_to_apply:
            self.stdout.write(
                f"The backup is from an older openbuy: run `openbuy migrate` now "
                f"({len(report.migrations_to_apply)} migrations to apply)."
            )
