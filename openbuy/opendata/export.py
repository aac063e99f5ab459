"""Bulk downloads in flat form: our release package flattened by flattentool into CSV files
(zipped) and one Excel workbook, written by ``openbuy ocds export`` to
``OPENBUY_OCDS_EXPORT_DIR`` (default ``var/opendata/``).

flattentool reads its input whole, so the flat files are made in the background (a command an
operator schedules), never while a visitor waits; the JSON downloads are streamed instead.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from openbuy.opendata import packages

FILES = {"csv": "releases-csv.zip", "xlsx": "releases.xlsx"}


@dataclass(frozen=True)
class Flat:
    kind: str
    path: Path
    size: int
    made_at: datetime


def folder() -> Path:
    return Path(settings.OCDS_EXPORT_DIR)


def available() -> list[Flat]:
    found = []
    for kind, name in FILES.items():
        path = folder() / name
        if path.is_file():
            stat = path.stat()
            made = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            found.append(Flat(kind, path, stat.st_size, made))
    return found


def write() -> list[Flat]:
    """Flatten everything published now; files are replaced whole, never half-written."""
    from flattentool import flatten

    folder().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder()) as work:
        source = Path(work) / "releases.json"
        with source.open("wb") as out:
            for chunk in packages.stream_releases(packages.absolute("/open-data/")):
                out.write(chunk)
        common = {
            "root_list_path": "releases",
            "root_id": "ocid",
            "main_sheet_name": "releases",
            "disable_local_refs": True,
        }
        flatten(str(source), output_name=str(Path(work) / "csv"), output_format="csv", **common)
        archive = Path(work) / FILES["csv"]
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for csv in sorted((Path(work) / "csv").glob("*.csv")):
                zipped.write(csv, arcname=csv.name)
        flatten(
            str(source), output_name=str(Path(work) / FILES["xlsx"]), output_format="xlsx", **common
        )
        for name in FILES.values():
            shutil.move(Path(work) / name, folder() / name)
    return available()
