"""The official OCDS 1.1 JSON schemas, and validators built from them.

The schemas come from ``OPENBUY_OCDS_SCHEMA_DIR`` when it is set (a folder holding
``release-schema.json`` and its siblings, as published by the standard). Otherwise they are
downloaded once from the standard's site into ``var/ocds-schema/`` and read from there after.
With neither, :class:`SchemaUnavailable` says which to provide.

The package schemas refer to the release schema by its absolute URL, so every schema is
registered under its own ``id``: nothing is fetched while validating.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

VERSION_TAG = "1__1__5"
BASE_URL = f"https://standard.open-contracting.org/schema/{VERSION_TAG}/"
NAMES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)


class SchemaUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Problem:
    """One schema error: where (a JSON pointer into the validated document) and what."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


def _read(folder: Path) -> dict[str, dict[str, Any]]:
    return {name: json.loads((folder / name).read_text(encoding="utf-8")) for name in NAMES}


def _download(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        with urllib.request.urlopen(BASE_URL + name, timeout=20) as response:  # noqa: S310
            body = response.read()
        json.loads(body)  # refuse to cache anything that is not JSON
        (folder / f"{name}.part").write_bytes(body)
        (folder / f"{name}.part").replace(folder / name)


@cache
def schemas() -> dict[str, dict[str, Any]]:
    configured = settings.OCDS_SCHEMA_DIR
    if configured:
        folder = Path(configured)
        missing = [name for name in NAMES if not (folder / name).is_file()]
        if missing:
            raise SchemaUnavailable(
                f"OPENBUY_OCDS_SCHEMA_DIR={configured} lacks {', '.join(missing)}: point it at "
                "the standard's schema folder (for OCDS 1.1, schema/ at tag 1__1__5)."
            )
        return _read(folder)
    cached = Path(settings.VAR_DIR) / "ocds-schema" / VERSION_TAG
    if not all((cached / name).is_file() for name in NAMES):
        try:
            _download(cached)
        except (OSError, ValueError) as error:
            raise SchemaUnavailable(
                f"The OCDS 1.1 schema is needed and could not be downloaded from {BASE_URL} "
                f"({error}). Set OPENBUY_OCDS_SCHEMA_DIR to a folder holding "
                f"{', '.join(NAMES)}, or allow one download into {cached}."
            ) from error
    return _read(cached)


def release_schema() -> dict[str, Any]:
    return schemas()["release-schema.json"]


@cache
def _registry() -> Registry:
    return Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in schemas().values()
    )


@cache
def validator(kind: str) -> Draft4Validator:
    """``kind`` is "release", "release-package" or "record-package"."""
    return Draft4Validator(
        schemas()[f"{kind}-schema.json"],
        registry=_registry(),
        format_checker=Draft4Validator.FORMAT_CHECKER,
    )


def pointer(path) -> str:
    """The JSON pointer (RFC 6901) of a jsonschema error path."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def problems(document: dict[str, Any], kind: str, prefix: str = "") -> Iterator[Problem]:
    """Every schema error in ``document``; a failing ``oneOf`` names its deepest cause."""
    for error in validator(kind).iter_errors(document):
        cause = error
        while cause.context:
            cause = max(cause.context, key=lambda e: len(e.absolute_path))
        yield Problem(prefix + pointer(cause.absolute_path), cause.message)


def package_kind(package: dict[str, Any]) -> str:
    return "record-package" if "records" in package else "release-package"
