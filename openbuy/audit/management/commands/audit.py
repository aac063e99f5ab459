from django.core.management.base import BaseCommand, CommandError

from openbuy.audit.services import verify_chain


class Command(BaseCommand):
    help = "Work with the audit log. `openbuy audit verify` recomputes the whole hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Recompute every hash and name the first broken link.")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            report = verify_chain()
            if not report.ok:
                event = report.broken_at
                raise CommandError(
                    f"Audit chain broken at event #{event.pk} ({event.action}, "
                    f"{event.occurred_at.isoformat()}): {report.problem}. "
                    f"{report.checked} events before it are intact."
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {report.checked} events, head {report.head}"
                )
            )
