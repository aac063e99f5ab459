"""Configuration comes from the environment; a bad value stops start-up naming the variable."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from openbuy.env import Env


@pytest.mark.parametrize(
    ("environ", "call", "message"),
    [
        (
            {"OPENBUY_DEBUG": "maybe"},
            lambda e: e.bool("OPENBUY_DEBUG"),
            "OPENBUY_DEBUG must be true or false, not 'maybe'",
        ),
        (
            {"OPENBUY_EMAIL_PORT": "25x"},
            lambda e: e.int("OPENBUY_EMAIL_PORT", 587),
            "OPENBUY_EMAIL_PORT must be a whole number",
        ),
        (
            {"OPENBUY_EMAIL_PORT": "0"},
            lambda e: e.int("OPENBUY_EMAIL_PORT", 587, minimum=1),
            "OPENBUY_EMAIL_PORT must be at least 1",
        ),
        (
            {"OPENBUY_TIME_ZONE": "Europe/Atlantis"},
            lambda e: e.time_zone("OPENBUY_TIME_ZONE", "Europe/London"),
            "OPENBUY_TIME_ZONE must be an IANA time zone",
        ),
        (
            {"OPENBUY_DATABASE_URL": "mysql://x/y"},
            lambda e: e.database("OPENBUY_DATABASE_URL", "sqlite:///x.db"),
            "OPENBUY_DATABASE_URL must start with sqlite:/// or postgres://",
        ),
        (
            {},
            lambda e: e.secret_key("OPENBUY_SECRET_KEY", debug=False),
            "OPENBUY_SECRET_KEY must be set",
        ),
        (
            {"OPENBUY_SECRET_KEY": "short"},
            lambda e: e.secret_key("OPENBUY_SECRET_KEY", debug=False),
            "OPENBUY_SECRET_KEY must be at least 32 characters",
        ),
        (
            {"OPENBUY_SECRET_KEY_FILE": "/nonexistent/secret"},
            lambda e: e.secret_key("OPENBUY_SECRET_KEY", debug=False),
            "OPENBUY_SECRET_KEY_FILE names '/nonexistent/secret'",
        ),
    ],
)
def test_bad_values_name_the_variable(environ, call, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        call(Env(environ))


def test_values_are_read(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 40 + "\n")
    env = Env(
        {
            "OPENBUY_DEBUG": "yes",
            "OPENBUY_ALLOWED_HOSTS": "a.example, b.example,",
            "OPENBUY_SECRET_KEY_FILE": str(secret),
        }
    )
    assert env.bool("OPENBUY_DEBUG") is True
    assert env.list("OPENBUY_ALLOWED_HOSTS") == ["a.example", "b.example"]
    assert env.secret_key("OPENBUY_SECRET_KEY", debug=False) == "s" * 40
    assert env.secret_key("X", debug=True).startswith("openbuy-development-only")


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    config = Env({}).database("DB", f"sqlite:///{tmp_path}/db.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "busy_timeout" in config["OPTIONS"]["init_command"]


def test_postgres_url_is_understood():
    config = Env({}).database("DB", "postgres://app:pw@db.internal:5433/openbuy")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "openbuy")
    assert config["CONN_HEALTH_CHECKS"] is True


def run_openbuy(*args, **environ):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBUY_")}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "openbuy", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_up_stops_with_a_one_line_message(tmp_path):
    result = run_openbuy("check", OPENBUY_DEBUG="perhaps")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "openbuy: configuration error: OPENBUY_DEBUG must be true or false, not 'perhaps'"
    )
    result = run_openbuy("check", OPENBUY_VAR_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "OPENBUY_SECRET_KEY must be set" in result.stderr


def test_a_real_sqlite_connection_uses_wal(tmp_path):
    result = run_openbuy(
        "shell",
        "-c",
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])",
        OPENBUY_DEBUG="1",
        OPENBUY_DATABASE_URL=f"sqlite:///{tmp_path}/wal.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wal"


def test_empty_values_take_the_default():
    env = Env({"OPENBUY_EMAIL_USE_TLS": "", "OPENBUY_VAR_DIR": " ", "OPENBUY_WORKERS": ""})
    assert env.bool("OPENBUY_EMAIL_USE_TLS", default=True) is True
    assert env.str("OPENBUY_VAR_DIR", "/srv/openbuy") == "/srv/openbuy"
    assert env.int("OPENBUY_WORKERS", 2) == 2


def test_choices_are_checked():
    with pytest.raises(ImproperlyConfigured, match="OPENBUY_LOG_LEVEL must be one of"):
        Env({"OPENBUY_LOG_LEVEL": "LOUD"}).choice("OPENBUY_LOG_LEVEL", "INFO", ["INFO", "DEBUG"])
