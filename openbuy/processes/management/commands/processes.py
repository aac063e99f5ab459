"""``openbuy processes settle``: apply the unanswered-questions rule to every process whose
deadline has come. Pages and the API apply it too as they are read; run this from a timer
(every few minutes) so the timeline records the extension even when nobody is looking."""

from django.core.management.base import BaseCommand

from openbuy.processes import services


class Command(BaseCommand):
    help = "Process housekeeping. `settle`: extend deadlines that unanswered questions hold open."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["settle"])

    def handle(self, *args, action: str, **options):
        moved = services.settle_due()
        self.stdout.write(f"{moved} deadline{'s' if moved != 1 else ''} extended")
