from django.core.management.base import BaseCommand

from openbuy.discussion.notifications import send_digests


class Command(BaseCommand):
    help = "Email each daily-digest reader what happened since their last email. Run daily."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
