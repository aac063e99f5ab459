from datetime import date

from django.core.management.base import BaseCommand, CommandError

from openbuy.demo.generate import DEFAULT_SEED, SCALES, AlreadyGeneratedError, anchor_of, generate


class Command(BaseCommand):
    help = (
        "Fill an empty database with a large, realistic, seeded dataset for benchmarks: "
        "--scale large (100,000 needs, 1,000,000 supports, 10,000 processes …), medium (a "
        "tenth) or small (a thousandth, for tests)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"The same seed (and anchor) gives the same content. Default {DEFAULT_SEED}.",
        )
        parser.add_argument(
            "--anchor",
            type=date.fromisoformat,
            help="The day the data is set against, YYYY-MM-DD (default: today, UTC). Live "
            "processes' deadlines fall after it.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the data even though the database already has needs.",
        )
        parser.add_argument(
            "--ocds",
            action="store_true",
            help="Afterwards, publish every published process as OCDS releases and records "
            "(slow: one process at a time, through the open data publisher).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, scale, seed, anchor, force, ocds, no_progress, **options):
        try:
            report = generate(
                scale=scale,
                seed=seed,
                anchor=anchor_of(anchor) if anchor else None,
                force=force,
                progress=not no_progress,
                ocds=ocds,
            )
        except AlreadyGeneratedError as error:
            raise CommandError(str(error)) from None
        width = max(len(label) for label in report.rows)
        self.stdout.write(f"{'Model'.ljust(width)}  {'Rows':>10}")
        for label, count in report.rows.items():
            self.stdout.write(f"{label.ljust(width)}  {count:>10,}")
        self.stdout.write(f"{'Total'.ljust(width)}  {report.total:>10,}")
        self.stdout.write(
            f"Generated and written in {report.insert_seconds:.1f} s "
            f"({report.write_rate:,.0f} rows per second), the lessons' similarity index stored "
            f"{report.index_seconds:.1f} s later: {report.rate:,.0f} rows per second overall "
            f"(scale {scale}, seed {seed}, anchor {report.anchor:%Y-%m-%d})."
        )
        if report.ocds_seconds is not None:
            self.stdout.write(
                f"OCDS: {report.ocds_releases:,} releases published in {report.ocds_seconds:.1f} s."
            )
