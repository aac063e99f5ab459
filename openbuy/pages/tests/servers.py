"""The production server (`openbuy serve`, gunicorn) as a subprocess, for tests that drive it
over real HTTP: on a free loopback port, against the test database (which such a test must
commit to, a transactional test, for the server to see it), signed in through the sign-in page.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection

READY_SECONDS = 60


class Server:
    """`openbuy serve` in a process group of its own, on a free loopback port. With
    ``redis_url`` it runs the production profile: Redis cache, cached sessions and the
    anonymous page cache."""

    def __init__(self, folder: Path, *, redis_url: str = ""):
        folder.mkdir(parents=True, exist_ok=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "OPENBUY_DATABASE_URL": database_url(),
            "OPENBUY_DEBUG": "0",
            "OPENBUY_HTTPS": "0",
            "OPENBUY_ALLOWED_HOSTS": "127.0.0.1",
            "OPENBUY_STATIC_MANIFEST": "0",
            "OPENBUY_VAR_DIR": str(folder),
            "OPENBUY_MEDIA_ROOT": str(folder / "media"),
            "OPENBUY_TASKS": "immediate",
            "OPENBUY_REDIS_URL": redis_url,
            "OPENBUY_LOG_LEVEL": "WARNING",
        }

    def start(self) -> None:
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Start the process without waiting for it (so that several can start at once)."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "openbuy",
                    "serve",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    # as deployed: two processes, one request at a time each (ADR 009)
                    "--workers",
                    "2",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server exited:\n{self.log.read_text()}"
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)  # polling the subprocess for readiness, bounded by the deadline
        pytest.fail(f"the server did not answer within {READY_SECONDS}s:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut to the process would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def database_url() -> str:
    """The test database, as the server subprocess is told where to find it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def sign_in(session: requests.Session, url: str, email: str, password: str) -> None:
    """Sign in through the sign-in page, with the CSRF token it gives, as a browser would."""
    page = session.get(f"{url}/account/login/", timeout=10)
    response = session.post(
        f"{url}/account/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": csrf_token(page)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, f"{email} could not sign in"


def csrf_token(page: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


def raise_needs(personas, count: int) -> list[int]:
    """``count`` open needs raised to the council, for the servers' visitors to support."""
    from openbuy.needs import services as needs
    from openbuy.needs.areas import load_cpv_divisions
    from openbuy.needs.models import Area

    load_cpv_divisions(Area)
    area = Area.objects.first()
    return [
        needs.need_raise(
            actor=personas["org_admin"],
            title=f"Need number {number} raised for a server test",
            description="Something that does not work, described.",
            affects="Residents",
            area=area,
            organisation=personas["council"],
        ).pk
        for number in range(count)
    ]
