"""Compiling releases into records with the standard's merge rules (ocdsmerge).

The rules are what ``ocdsmerge`` derives from the OCDS 1.1.5 release schema. They are written out
here so that compiling never needs the schema or the network; a test derives them again from the
official schema and checks they are the same.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ocdsmerge import Merger

MERGE_RULES: dict[tuple[str, ...], str] = {
    ("id",): "omitWhenMerged",
    ("date",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    **{
        path: "wholeListMerge"
        for path in [
            ("parties", "additionalIdentifiers"),
            ("parties", "roles"),
            ("buyer", "additionalIdentifiers"),
            ("tender", "procuringEntity", "additionalIdentifiers"),
            ("tender", "items", "additionalClassifications"),
            ("tender", "additionalProcurementCategories"),
            ("tender", "submissionMethod"),
            ("tender", "tenderers", "additionalIdentifiers"),
            ("tender", "amendments", "changes"),
            ("tender", "amendment", "changes"),
            ("awards", "suppliers", "additionalIdentifiers"),
            ("awards", "items", "additionalClassifications"),
            ("awards", "amendments", "changes"),
            ("awards", "amendment", "changes"),
            ("contracts", "items", "additionalClassifications"),
            ("contracts", "implementation", "transactions", "payer", "additionalIdentifiers"),
            ("contracts", "implementation", "transactions", "payee", "additionalIdentifiers"),
            ("contracts", "relatedProcesses", "relationship"),
            ("contracts", "amendments", "changes"),
            ("contracts", "amendment", "changes"),
            ("relatedProcesses", "relationship"),
        ]
    },
}


@cache
def merger() -> Merger:
    return Merger(merge_rules=MERGE_RULES)


def compile_releases(releases: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The compiled release and the versioned release of one ocid's releases."""
    m = merger()
    versioned = m.create_versioned_release(releases)
    _version_details_whole(versioned, releases)
    return m.create_compiled_release(releases), versioned


def _version_details_whole(versioned: dict[str, Any], releases: list[dict[str, Any]]) -> None:
    """``parties[].details`` is a free-form object, which the versioned-release schema versions
    whole (a list of ``{releaseID, releaseDate, releaseTag, value}``), but ocdsmerge versions
    field by field. Rebuild it whole from the releases, in date order."""
    parties = versioned.get("parties")
    if not isinstance(parties, list):
        return
    ordered = sorted(
        (r for r in releases if isinstance(r, dict) and isinstance(r.get("date"), str)),
        key=lambda r: r["date"],
    )
    for party in parties:
        if not isinstance(party, dict) or "details" not in party:
            continue
        versions: list[dict[str, Any]] = []
        for release in ordered:
            for given in release.get("parties") or []:
                if not isinstance(given, dict) or given.get("id") != _current_id(party):
                    continue
                if "details" in given and (
                    not versions or versions[-1]["value"] != given["details"]
                ):
                    versions.append(
                        {
                            "releaseID": release.get("id"),
                            "releaseDate": release["date"],
                            "releaseTag": release.get("tag"),
                            "value": given["details"],
                        }
                    )
        party["details"] = versions


def _current_id(party: dict[str, Any]) -> Any:
    """A versioned party's id (ids are not versioned, but be safe if a publisher's were)."""
    value = party.get("id")
    if isinstance(value, list) and value and isinstance(value[-1], dict):
        return value[-1].get("value")
    return value
