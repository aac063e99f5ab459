from django.core.management.base import BaseCommand

from openbuy.accounts.models import User
from openbuy.demo.evaluation import create_evaluation
from openbuy.demo.lessons import create_lessons
from openbuy.demo.needs import create_needs
from openbuy.demo.opendata import publish_open_data
from openbuy.demo.personas import DEMO_PASSWORD, PERSONAS, create_personas
from openbuy.demo.processes import RIVAL, create_processes
from openbuy.demo.specifications import create_specifications


class Command(BaseCommand):
    help = "Load the demo organisations and personas, and print how to sign in as each."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only load when the database has no accounts yet (what `make run` does).",
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if (
            if_empty
            and User.objects.exists()
            and not User.objects.filter(email=PERSONAS[0].email).exists()
        ):
            self.stdout.write("The database already has accounts; demo data not loaded.")
            return
        personas = create_personas()
        created = create_needs(personas)
        if created:
            self.stdout.write(f"Created {created} demo needs.")
        if create_specifications(personas):
            self.stdout.write("Created a demo specification.")
        created = create_processes(personas)
        if created:
            self.stdout.write(f"Created {created} demo processes.")
        if create_evaluation(personas):
            self.stdout.write("Created the demo evaluation, award and contract.")
        created = create_lessons(personas)
        if created:
            self.stdout.write(f"Created {created} demo lessons.")
        ours, theirs = publish_open_data()
        self.stdout.write(
            f"Open data: {ours} contracting processes published, {theirs} imported from a "
            "neighbouring council."
        )
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (password for all: {DEMO_PASSWORD})"))
        people = [*PERSONAS, RIVAL]
        width = max(len(p.email) for p in people)
        for persona in people:
            self.stdout.write(f"  {persona.email.ljust(width)}  {persona.description}")
