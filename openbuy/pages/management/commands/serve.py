import os
import sys

from django.core.management.base import BaseCommand

from openbuy.env import Env


class Command(BaseCommand):
    help = (
        "Serve openbuy with gunicorn, a production-grade WSGI server: WORKERS processes, each "
        "answering one request at a time (gunicorn's sync worker) unless --threads is more than "
        "1. Static files are served by whitenoise; put a TLS-terminating, buffering proxy in "
        "front in production (docs/operations.md)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        env = Env()
        parser.add_argument("--bind", default=env.str("OPENBUY_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=env.int("OPENBUY_WORKERS", 2, minimum=1))
        parser.add_argument(
            "--threads",
            type=int,
            default=env.int("OPENBUY_THREADS", 1, minimum=1),
            help="threads per worker (default 1: see docs/adr/009-production-server.md)",
        )
        parser.add_argument("--timeout", type=int, default=60)

    def handle(self, *args, bind: str, workers: int, threads: int, timeout: int, **options):
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "openbuy.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            # One thread: gunicorn's sync worker. More: its threaded worker (gthread).
            "--threads",
            str(threads),
            "--timeout",
            str(timeout),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            Env().str("OPENBUY_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
