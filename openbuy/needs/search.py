"""Full-text search over needs and ideas: SQLite FTS5 or PostgreSQL text search, the same
results shape from both, highlighted safely."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from openbuy.needs.models import Idea, Need
from openbuy.needs.selectors import visible_ideas, visible_needs

_WORD = re.compile(r"\w+", re.UNICODE)
# Sentinels the database wraps around matches; the text is escaped before they become <mark>.
_START, _STOP = "\x02", "\x03"
LIMIT = 50


@dataclass(frozen=True)
class Hit:
    kind: str  # "need" or "idea"
    item: Need | Idea
    title: SafeString
    snippet: SafeString


def _marked(text: str) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped first; only our own <mark> tags are added
        escape(text or "").replace(_START, "<mark>").replace(_STOP, "</mark>")
    )


def _words(query: str) -> list[str]:
    return [w for w in _WORD.findall((query or "").lower()) if len(w) > 1][:10]


def _raw_hits(words: list[str], kind: str) -> list[tuple[str, int, str, str]]:
    kinds = ["need", "idea"] if kind not in {"need", "idea"} else [kind]
    placeholders = ", ".join(["%s"] * len(kinds))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Every word must match, each as a prefix (so "wheelchair" finds "wheelchairs").
            tsquery = " & ".join(f"{w}:*" for w in words)
            cursor.execute(
                f"""
                SELECT s.kind, s.object_id,
                       ts_headline('english', s.title, q, %s),
                       ts_headline('english', s.body, q, %s)
                FROM needs_search s, to_tsquery('english', %s) q
                WHERE s.document @@ q AND s.kind IN ({placeholders})
                ORDER BY ts_rank(s.document, q) DESC, s.object_id DESC
                LIMIT %s
                """,  # noqa: S608 - only placeholders are interpolated
                [
                    f"StartSel={_START}, StopSel={_STOP}, HighlightAll=true",
                    f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=10",
                    tsquery,
                    *kinds,
                    LIMIT,
                ],
            )
        else:
            match = " ".join(f'"{w}"*' for w in words)
            cursor.execute(
                f"""
                SELECT kind, object_id,
                       highlight(needs_search, 2, %s, %s),
                       snippet(needs_search, 3, %s, %s, '…', 24)
                FROM needs_search
                WHERE needs_search MATCH %s AND kind IN ({placeholders})
                ORDER BY bm25(needs_search, 0, 0, 5.0, 1.0), object_id DESC
                LIMIT %s
                """,  # noqa: S608 - only placeholders are interpolated
                [_START, _STOP, _START, _STOP, match, *kinds, LIMIT],
            )
        return [(row[0], int(row[1]), row[2], row[3]) for row in cursor.fetchall()]


def search(
    query: str, *, kind: str = "", area: str = "", status: str = "", organisation: str = ""
) -> list[Hit]:
    """The best matches (at most 50), best first. Three queries whatever the data size."""
    words = _words(query)
    if not words:
        return []
    rows = _raw_hits(words, kind)
    need_ids = [oid for k, oid, _, _ in rows if k == "need"]
    idea_ids = [oid for k, oid, _, _ in rows if k == "idea"]
    needs = visible_needs().filter(pk__in=need_ids).select_related("area", "organisation")
    if area:
        needs = needs.filter(area__slug=area)
    if status:
        needs = needs.filter(status=status)
    if organisation:
        needs = needs.filter(organisation__slug=organisation)
    ideas = visible_ideas().filter(pk__in=idea_ids).select_related("need")
    if area:
        ideas = ideas.filter(need__area__slug=area)
    if status:
        ideas = ideas.filter(status=status)
    if organisation:
        ideas = ideas.filter(need__organisation__slug=organisation)
    found: dict[tuple[str, int], Need | Idea] = {}
    if need_ids:
        found.update({("need", n.pk): n for n in needs})
    if idea_ids:
        found.update({("idea", i.pk): i for i in ideas})
    return [
        Hit(kind=k, item=found[(k, oid)], title=_marked(title), snippet=_marked(snippet))
        for k, oid, title, snippet in rows
        if (k, oid) in found
    ]
