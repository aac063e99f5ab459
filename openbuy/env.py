"""Typed readers for the environment that fail loudly, naming the variable.

Every setting openbuy reads from the environment goes through one of these helpers, so a bad value
stops start-up with a message such as ``OPENBUY_DEBUG must be true or false, not 'maybe'``
instead of being silently ignored. A variable ``NAME_FILE`` is read instead of ``NAME`` when it is
set (for secrets mounted as files).
"""

from __future__ import annotations

import builtins
import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    """Reads settings from a mapping (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[builtins.str, builtins.str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: builtins.str) -> builtins.str | None:
        file_name = self.environ.get(f"{name}_FILE")
        if file_name:
            try:
                return Path(file_name).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE names {file_name!r}, which cannot be read: {exc.strerror}"
                ) from exc
        return self.environ.get(name)

    # An empty variable counts as unset everywhere: it takes the default.

    def str(self, name: builtins.str, default: builtins.str = "") -> builtins.str:
        value = self.raw(name)
        return default if value is None or not value.strip() else value.strip()

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self.raw(name)
        if value is None or not value.strip():
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")

    def choice(
        self, name: builtins.str, default: builtins.str, choices: builtins.list[builtins.str]
    ) -> builtins.str:
        value = self.str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        return value

    def int(
        self, name: builtins.str, default: builtins.int, *, minimum: builtins.int | None = None
    ) -> builtins.int:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
        return number

    def list(
        self, name: builtins.str, default: builtins.list[builtins.str] | None = None
    ) -> builtins.list[builtins.str]:
        value = self.raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def time_zone(self, name: builtins.str, default: builtins.str) -> builtins.str:
        value = self.str(name, default)
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(
                f"{name} must be an IANA time zone such as Europe/London, not {value!r}"
            ) from None
        return value

    def currency(self, name: builtins.str, default: builtins.str) -> builtins.str:
        value = self.str(name, default).upper()
        if len(value) != 3 or not value.isalpha() or not value.isascii():
            raise ImproperlyConfigured(
                f"{name} must be a three-letter ISO 4217 currency code such as GBP, not {value!r}"
            )
        return value

    def database(self, name: builtins.str, default: builtins.str) -> builtins.dict:
        value = self.str(name, default) or default
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
            raise ImproperlyConfigured(
                f"{name} must start with sqlite:/// or postgres://, not {value!r}"
            )
        try:
            config: dict[builtins.str, Any] = dict(dj_database_url.parse(value))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
        if config["ENGINE"] == "django.db.backends.sqlite3":
            if not config.get("NAME"):
                raise ImproperlyConfigured(
                    f"{name} must name a file, e.g. sqlite:///var/db.sqlite3"
                )
            if config["NAME"] != ":memory:":
                path = Path(str(config["NAME"]))
                path.parent.mkdir(parents=True, exist_ok=True)
                # Tests use a file too (not Django's in-memory default), so that they exercise
                # WAL and the write lock across threads exactly as the server does.
                config["TEST"] = {"NAME": str(path.with_name(f"{path.stem}-test{path.suffix}"))}
            config["OPTIONS"] = {
                # WAL lets readers carry on while one writer writes; IMMEDIATE takes the write lock
                # at BEGIN so two writers queue instead of failing half-way with "database is
                # locked"; the timeout is how long a writer waits in that queue.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        else:
            config["CONN_MAX_AGE"] = self.int("OPENBUY_DATABASE_CONN_MAX_AGE", 60, minimum=0)
            config["CONN_HEALTH_CHECKS"] = True
        return config

    def secret_key(self, name: builtins.str, *, debug: builtins.bool) -> builtins.str:
        value = self.str(name)
        if value:
            if len(value) < 32:
                raise ImproperlyConfigured(f"{name} must be at least 32 characters long")
            return value
        if debug:
            return "openbuy-development-only-secret-key-do-not-use-in-production"
        raise ImproperlyConfigured(
            f"{name} must be set (or {name}_FILE) when OPENBUY_DEBUG is off; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
