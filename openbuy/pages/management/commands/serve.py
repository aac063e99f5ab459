import os
import sys

from django.core.management.base import BaseCommand

from openbuy.env import Env


class Command(BaseCommand):
    help = (
        "Serve openbuy with gunicorn, a production-grade WSGI server. Static files are served "
        "by whitenoise; put a TLS-terminating proxy in front in production."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        env = Env()
        parser.add_argument("--bind", default=env.str("OPENBUY_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=env.int("OPENBUY_WORKERS", 2, minimum=1))
        parser.add_argument("--threads", type=int, default=4)
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
