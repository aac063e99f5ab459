"""Generated specifications, co-written in the open: the outline a buyer starts from, their own
edits, suggestions from residents and suppliers (accepted, rejected, withdrawn or still open),
freezing, publication with a procurement process and amendments after it.

Every version is a full snapshot with each paragraph's origin worked out by the same function the
specification services use (:func:`openbuy.specifications.texts.carry_origins`), and the
specification's ``version_count``, ``current_version`` and ``frozen_version`` match the versions
written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.urls import reverse

from openbuy.demo.generate import words
from openbuy.demo.generate.context import DAY, HOUR, Buyer, Context, NeedRecord, Target, between
from openbuy.specifications import texts
from openbuy.specifications.models import Specification, SpecVersion, Suggestion
from openbuy.specifications.services import OUTLINE

V = SpecVersion.Kind
# At most how many of each one specification being written makes (1 + 1 + 4 edits + 8 accepted
# suggestions versions; 8 suggestions): the ids that part of the data may use, the processes'
# specifications taking theirs after (see pipeline.split_ids).
SHARE = {
    "specifications.Specification": 1,
    "specifications.SpecVersion": 14,
    "specifications.Suggestion": 8,
}


@dataclass(frozen=True)
class Written:
    id: int
    frozen_version: int | None
    version_count: int


def _tables(ctx: Context):
    writer = ctx.writer
    return (
        writer.table(
            Specification,
            "id",
            "organisation",
            "title",
            "summary",
            "value_amount",
            "currency",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "version_count",
            "current_version",
            "frozen_version",
            "frozen_at",
            "published_at",
        ),
        writer.table(
            SpecVersion,
            "id",
            "specification",
            "number",
            "kind",
            "sections",
            "author",
            "recorded_by",
            "suggestion",
            "reverted_to",
            "note",
            "changed_sections",
            "created_at",
        ),
        writer.table(
            Suggestion,
            "id",
            "specification",
            "section_key",
            "section_heading",
            "base_version",
            "base_text",
            "proposed_text",
            "reason",
            "author",
            "on_behalf_of",
            "state",
            "visibility",
            "decided_by",
            "decided_at",
            "decision_reason",
            "result_version",
            "created_at",
        ),
        writer.table(Specification.needs.through, "id", "specification", "need"),
        writer.table(Specification.ideas.through, "id", "specification", "idea"),
    )


def _starting(key: str, needs: list[NeedRecord], ideas: list[tuple[int, str, datetime]]) -> str:
    """What the outline starts with (as ``specification_create`` writes it)."""
    if key == "problem" and needs:
        lines = [
            f"- [{n.title}]({reverse('needs:detail', args=[n.id])}): {n.supports} supports"
            + (f", {n.affects}" if n.affects else "")
            for n in needs
        ]
        return "This specification answers these needs:\n\n" + "\n".join(lines)
    if key == "outcomes" and ideas:
        lines = [
            f"- [{title}]({reverse('needs:idea-detail', args=[pk])})" for pk, title, _ in ideas
        ]
        return "Ideas adopted so far:\n\n" + "\n".join(lines)
    return ""


def write(
    ctx: Context,
    rng: random.Random,
    *,
    buyer: Buyer,
    theme: int,
    title: str,
    summary: str,
    value: Decimal | None,
    created: datetime,
    until: datetime,
    needs: list[NeedRecord] = (),  # type: ignore[assignment]
    ideas: list[tuple[int, str, datetime]] = (),  # type: ignore[assignment]
    edits: int = 1,
    suggestions: int = 0,
    status: str = Specification.Status.DRAFTING,
    published_at: datetime | None = None,
    amended_at: datetime | None = None,
) -> Written:
    """Write one specification and its history between ``created`` and ``until`` (when it was
    frozen, or now). Published ones may be amended after publication, at ``amended_at``."""
    specs, versions, suggested, spec_needs, spec_ideas = _tables(ctx)
    spec_id = specs.new_id()
    officer = rng.choice(buyer.officers)
    values = words.spec_sections(
        rng,
        words.THEMES[theme],
        ctx.streets,
        int(value or 50_000),
        "\n\n".join(rng.sample(words.THEMES[theme].problems, k=2)).format(
            street=rng.choice(ctx.streets),
            town=rng.choice(words.TOWNS),
            place=rng.choice(words.PLACES),
            n=rng.randint(2, 30),
            weeks=rng.randint(3, 30),
            month=rng.choice(words.MONTHS),
            year=rng.randint(2015, 2023),
            thousands=rng.randint(20, 200),
        ),
    )
    sections = [
        {"key": s.key, "heading": s.heading, "body": _starting(s.key, list(needs), list(ideas))}
        for s in OUTLINE
    ]
    origins: dict[str, list[int]] = {}
    number = 0
    current_id = 0

    def cut(
        new: list[dict],
        kind: str,
        at: datetime,
        author: int,
        *,
        note: str = "",
        suggestion: int | None = None,
    ) -> int:
        nonlocal number, current_id, sections
        number += 1
        old = {s["key"]: s for s in sections} if number > 1 else {}
        made, changed = [], []
        for section in new:
            before = old.get(section["key"])
            if section is before:  # carried over untouched from the version before
                made.append(section)
                continue
            body = texts.normalise_newlines(section["body"])
            if before is not None and before["body"] == body:
                kept = origins[section["key"]]
            elif before is None or not before["body"]:
                kept = [number] * len(texts.paragraphs(body))  # every paragraph is new
            else:
                kept = texts.carry_origins(
                    texts.paragraphs(before["body"]),
                    origins[section["key"]],
                    texts.paragraphs(body),
                    number,
                )
            if before is None or before["body"] != body:
                changed.append(section["key"])
            origins[section["key"]] = kept
            made.append(
                {
                    "key": section["key"],
                    "heading": section["heading"],
                    "body": body,
                    "origins": kept,
                }
            )
        current_id = versions.new_id()
        versions.add(
            current_id,
            spec_id,
            number,
            kind,
            made,
            author,
            officer,
            suggestion,
            None,
            note,
            changed,
            at,
        )
        sections = made
        return current_id

    # The history: a start, a first full draft, then edits and suggestions in time order.
    cut(sections, V.CREATED, created, officer, note="Started from the outline")
    steps = ["edit"] * (edits - 1) + ["suggest"] * suggestions
    rng.shuffle(steps)
    steps = ["draft", *steps]
    moments = sorted(between(rng, created + HOUR, until - HOUR) for _ in steps)
    for step, at in zip(steps, moments, strict=True):
        if step == "draft":
            draft = [
                {**s, "body": "\n\n".join(p for p in (s["body"], values[s["key"]]) if p)}
                for s in sections
            ]
            cut(draft, V.EDIT, at, officer)
        elif step == "edit":
            key = rng.choice(["outcomes", "constraints", "unknowns", "timeline"])
            addition = rng.choice(words.SUGGESTION_ADDITIONS)
            edited = [
                {**s, "body": f"{s['body']}\n\n{addition}"} if s["key"] == key else s
                for s in sections
            ]
            cut(edited, V.EDIT, at, officer, note=rng.choice(["", "", "Clearer wording."]))
        else:
            _suggestion(ctx, rng, suggested, spec_id, sections, current_id, at, until, officer, cut)
    for need in needs:
        spec_needs.add(spec_needs.new_id(), spec_id, need.id)
    for idea_id, _, _ in ideas:
        spec_ideas.add(spec_ideas.new_id(), spec_id, idea_id)
    frozen = current_id if status != Specification.Status.DRAFTING else None
    updated = moments[-1] if moments else created
    if amended_at is not None and status == Specification.Status.PUBLISHED:
        key = rng.choice(["constraints", "timeline"])
        note = rng.choice(
            (
                "Clarified who provides the equipment, after a bidder's question.",
                "Corrected the start date in the timeline.",
            )
        )
        amended = [
            {**s, "body": s["body"] + "\n\n" + note} if s["key"] == key else s for s in sections
        ]
        frozen = cut(amended, V.AMENDMENT, amended_at, officer, note=note)
        updated = amended_at
    specs.add(
        spec_id,
        buyer.id,
        title,
        summary,
        value,
        "GBP",
        status,
        officer,
        created,
        updated,
        number,
        current_id,
        frozen,
        until if status != Specification.Status.DRAFTING else None,
        published_at,
    )
    ctx.targets.append(
        Target(
            ctx.content_types["specifications.specification"], spec_id, theme, buyer.id, created, 2
        )
    )
    return Written(spec_id, frozen, number)


def _suggestion(ctx, rng, table, spec_id, sections, base_id, at, until, officer, cut) -> None:
    """One suggestion against the current version: accepted at once (a new version), rejected,
    withdrawn, or left open."""
    section = rng.choice([s for s in sections if s["key"] != "judging"])
    if rng.random() < 0.45:
        supplier = rng.choice(ctx.suppliers)
        author, on_behalf_of = rng.choice(supplier.members), supplier.id
        if rng.random() < 0.4:
            on_behalf_of = None
    else:
        author, on_behalf_of = rng.choice(ctx.residents), None
    proposed = "\n\n".join(
        p for p in (section["body"], rng.choice(words.SUGGESTION_ADDITIONS)) if p
    )
    reason = rng.choice(words.SUGGESTION_REASONS)
    pk = table.new_id()
    roll = rng.random()
    state, decided_by, decided_at, decision, result = Suggestion.State.OPEN, None, None, "", None
    if roll < 0.45:
        state, decided_by, decided_at = Suggestion.State.ACCEPTED, officer, at + HOUR
        result = cut(
            [{**s, "body": proposed} if s["key"] == section["key"] else s for s in sections],
            V.SUGGESTION,
            decided_at,
            author,
            note=f"Accepted the suggestion by {ctx.names[author]}",
            suggestion=pk,
        )
    elif roll < 0.7:
        state, decided_by = Suggestion.State.REJECTED, officer
        decided_at = min(at + rng.randint(1, 10) * DAY, until)
        decision = rng.choice(words.REJECTION_REASONS)
    elif roll < 0.8:
        state, decided_at = Suggestion.State.WITHDRAWN, min(at + rng.randint(1, 5) * DAY, until)
    table.add(
        pk,
        spec_id,
        section["key"],
        section["heading"],
        base_id,
        section["body"],
        proposed,
        reason,
        author,
        on_behalf_of,
        state,
        "visible",
        decided_by,
        decided_at,
        decision,
        result,
        at,
    )


def run(ctx: Context) -> None:
    """The specifications still being written: drafts and frozen ones, not yet published."""
    rng = ctx.rng("specifications")
    cutoff = ctx.anchor - 20 * DAY  # adopted long enough ago to have a specification
    adopted: dict[int, list[NeedRecord]] = {}
    for need in ctx.needs:
        if need.adopted and need.organisation is not None and need.until < cutoff:
            adopted.setdefault(need.organisation, []).append(need)
    for _ in range(ctx.scale.specifications):
        buyer = ctx.buyer(rng)
        theirs = adopted.get(buyer.id, [])
        wanted = min(len(theirs), rng.randint(1, 3))
        needs = [theirs.pop(rng.randrange(len(theirs))) for _ in range(wanted)]
        ideas = [i for i in ctx.adopted_ideas.get(buyer.id, []) if i[2] < cutoff][:2]
        theme = needs[0].theme if needs else rng.randrange(len(words.THEMES))
        ready = max([n.until for n in needs] + [at for _, _, at in ideas] + [ctx.start])
        created = between(rng, ready + DAY, min(ready + 90 * DAY, ctx.anchor - 10 * DAY))
        frozen = rng.random() < 0.25
        until = between(rng, created + 5 * DAY, ctx.anchor - HOUR) if frozen else ctx.anchor
        town = rng.choice(words.TOWNS)
        value = Decimal(rng.choice([15, 40, 80, 150, 300, 600, 1200]) * 1000)
        write(
            ctx,
            rng,
            buyer=buyer,
            theme=theme,
            title=words.spec_title(rng, words.THEMES[theme], town),
            summary=words.spec_summary(rng, words.THEMES[theme], town),
            value=value if rng.random() < 0.8 else None,
            created=created,
            until=until,
            needs=needs,
            ideas=ideas,
            edits=rng.randint(1, 5),
            suggestions=rng.randint(0, 8),
            status=Specification.Status.FROZEN if frozen else Specification.Status.DRAFTING,
        )
        ctx.advance(1)
    for model in (Specification, SpecVersion, Suggestion):
        table = ctx.writer.table(model)
        used = table.next_id - ctx.writer.first_ids.get(table.label, 1)
        if used > SHARE[table.label] * ctx.scale.specifications:
            raise RuntimeError(f"{table.label}: {used} ids used, more than this side's share")
    ctx.writer.flush()
