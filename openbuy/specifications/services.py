"""Every write to specifications. Pages, the API, commands and tests all call these.

Each one checks permission, validates, writes inside one transaction with the specification row
locked (so two buyers accepting at once cannot both build on the same version), appends the audit
event and tells the followers. The text changes only by cutting a new :class:`SpecVersion`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from openbuy import clock
from openbuy.accounts.models import Membership, Organisation, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit
from openbuy.discussion import markup, moderation, notifications
from openbuy.discussion.models import Visibility
from openbuy.lessons import gate
from openbuy.needs.models import Idea, Need
from openbuy.specifications import signals, texts
from openbuy.specifications.models import Annotation, Specification, SpecVersion, Suggestion
from openbuy.specifications.selectors import audience, is_outdated

LIMITS = {
    "title": 150,
    "summary": 1_000,
    "heading": 150,
    "body": 20_000,
    "reason": 2_000,
    "note": 1_000,
    "quote": 1_000,
    "comment": 5_000,
}
MAX_SECTIONS = 40
MAX_VALUE = Decimal("99999999999999.99")


@dataclass(frozen=True)
class OutlineSection:
    key: str
    heading: str
    hint: str


# The outline a new specification starts from: outcomes, not inputs.
OUTLINE = [
    OutlineSection(
        "problem",
        "The problem and its context",
        "What is wrong today, for whom, and how we know. Link the needs it comes from.",
    ),
    OutlineSection(
        "outcomes",
        "Outcomes wanted",
        "What will be different when this works, and how we will measure it. Say what, not how.",
    ),
    OutlineSection(
        "constraints",
        "Constraints",
        "What any answer must respect: law, safety, data, places, people. Only real limits.",
    ),
    OutlineSection(
        "unknowns",
        "What we don't know yet",
        "Questions still open. Suppliers may know answers we do not.",
    ),
    OutlineSection(
        "budget",
        "Budget band",
        "The range we expect to spend, so suppliers can judge whether to take part.",
    ),
    OutlineSection(
        "timeline",
        "Timeline",
        "When we need what, and what depends on it.",
    ),
    OutlineSection(
        "judging",
        "How responses will be judged",
        "The criteria and their weights, including social value. Published before anyone bids.",
    ),
]
HINTS = {section.key: section.hint for section in OUTLINE}


# --- helpers --------------------------------------------------------------------------------


def _require(user, perm: str, obj=None, message: str = "You cannot do that.") -> None:
    if not can(user, perm, obj):
        raise PermissionDenied(message)


def _require_writer(actor: User, spec: Specification) -> None:
    _require(
        actor,
        "specifications.write",
        spec,
        f"Only buyer officers of {spec.organisation} can change this specification.",
    )


def _text(value, field: str, *, required: bool = True, label: str = "") -> str:
    value = texts.normalise_newlines(str(value or ""))
    label = label or field.replace("_", " ")
    if required and not value:
        raise ValidationError({field: f"Enter the {label}"})
    limit = LIMITS.get(field, LIMITS["body"])
    if len(value) > limit:
        raise ValidationError({field: f"The {label} must be {limit:,} characters or fewer"})
    return value


def _value(amount) -> Decimal | None:
    if amount in (None, ""):
        return None
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError(
            {"value_amount": "Enter the value as a number, like 250000"}
        ) from None
    if not value.is_finite() or value < 0 or value > MAX_VALUE:
        raise ValidationError({"value_amount": "Enter a value between 0 and 99,999,999,999,999"})
    return value.quantize(Decimal("0.01"))


def _currency(code) -> str:
    from django.conf import settings

    code = str(code or settings.CURRENCY).strip().upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise ValidationError({"currency": "Enter a three-letter currency code, like GBP"})
    return code


def _locked(spec: Specification) -> Specification:
    """The specification row, locked for this transaction.

    No joins in the locking query: on PostgreSQL a row re-read after waiting for the lock keeps
    the joined rows of the first read, so a joined ``current_version`` could come back stale or
    empty. The related rows are read afterwards, when the lock is held.
    """
    return Specification.objects.select_for_update().get(pk=spec.pk)


def _url(spec: Specification, *parts) -> str:
    return reverse("specifications:detail", args=[spec.pk]) + "".join(parts)


def _tell(spec: Specification, message: str, url: str, *, exclude: int | None, extra=()) -> None:
    recipients = notifications.followers_of_any(audience(spec)) | set(extra)
    notifications.notify(user_ids=recipients, message=message, url=url, exclude=exclude)


def _sections_of(version: SpecVersion | None) -> list[dict]:
    return [dict(s) for s in version.sections] if version is not None else []


def _unique_key(heading: str, taken: set[str]) -> str:
    base = slugify(heading)[:50] or "section"
    key, n = base, 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    return key


def _cut_version(
    *,
    spec: Specification,
    sections: Sequence[dict],
    kind: str,
    author: User,
    recorded_by: User,
    note: str = "",
    suggestion: Suggestion | None = None,
    reverted_to: SpecVersion | None = None,
) -> SpecVersion:
    """Make the next version of a locked specification, carrying each paragraph's origin."""
    current = spec.current_version
    number = spec.version_count + 1
    old = {s["key"]: s for s in _sections_of(current)}
    restored = {s["key"]: s for s in _sections_of(reverted_to)}
    made, changed = [], []
    for section in sections:
        body = texts.normalise_newlines(section["body"])
        paras = texts.paragraphs(body)
        before, back = old.get(section["key"]), restored.get(section["key"])
        restore = (texts.paragraphs(back["body"]), back["origins"]) if back else None
        if before is not None:
            origins = texts.carry_origins(
                texts.paragraphs(before["body"]), before["origins"], paras, number, restore
            )
        else:
            origins = texts.carry_origins([], [], paras, number, restore)
        if before is None or before["body"] != body or before["heading"] != section["heading"]:
            changed.append(section["key"])
        made.append(
            {"key": section["key"], "heading": section["heading"], "body": body, "origins": origins}
        )
    kept = {s["key"] for s in made}
    changed += [key for key in old if key not in kept]
    if current is not None and not changed and [s["key"] for s in made] == list(old):
        raise ValidationError("Nothing has changed since the last version.")
    version = SpecVersion.objects.create(
        specification=spec,
        number=number,
        kind=kind,
        sections=made,
        author=author,
        recorded_by=recorded_by,
        suggestion=suggestion,
        reverted_to=reverted_to,
        note=note,
        changed_sections=changed,
        created_at=clock.now(),
    )
    spec.current_version = version
    spec.version_count = number
    spec.updated_at = version.created_at
    fields = ["current_version", "version_count", "updated_at"]
    if spec.status == Specification.Status.PUBLISHED:
        # A published version never changes: the amendment becomes the published text.
        spec.frozen_version = version
        fields.append("frozen_version")
    spec.save(update_fields=fields)
    if spec.status == Specification.Status.PUBLISHED:
        signals.amended.send(
            sender=Specification, actor=recorded_by, specification=spec, version=version
        )
    return version


def _check_changeable(spec: Specification, note: str) -> str:
    """Drafts change freely; a published specification only with a public change note; a frozen
    one not at all until it is reopened."""
    if spec.status == Specification.Status.FROZEN:
        raise ValidationError(
            "This specification is frozen for publication. Reopen it for drafting to change it."
        )
    if spec.status == Specification.Status.PUBLISHED:
        if not note:
            raise ValidationError(
                {
                    "note": "Explain the change: a published specification changes only with a "
                    "public change note"
                }
            )
        return SpecVersion.Kind.AMENDMENT
    return ""


def _announce_version(spec: Specification, version: SpecVersion, actor: User) -> None:
    what = "amended" if version.kind == SpecVersion.Kind.AMENDMENT else "changed"
    _tell(
        spec,
        f"“{spec.title}” was {what}: version {version.number}",
        reverse("specifications:version", args=[spec.pk, version.number]),
        exclude=actor.pk,
    )


def _buyer_version(
    *,
    actor: User,
    spec: Specification,
    sections: Sequence[dict],
    kind: str,
    note: str,
    action: str,
    summary: str,
    after: dict,
    reverted_to: SpecVersion | None = None,
    announce: bool = True,
) -> SpecVersion:
    """A version written by the buyer themself: cut it, audit it and tell the followers."""
    version = _cut_version(
        spec=spec,
        sections=sections,
        kind=kind,
        author=actor,
        recorded_by=actor,
        note=note,
        reverted_to=reverted_to,
    )
    audit.record(
        actor=actor,
        action=action,
        obj=spec,
        organisation_id=spec.organisation_id,
        summary=summary,
        after={"version": version.number, **after},
    )
    if announce:
        _announce_version(spec, version, actor)
    return version


# --- specifications -------------------------------------------------------------------------


def specification_create(
    *,
    actor: User,
    organisation: Organisation,
    title: str,
    summary: str = "",
    needs: Sequence[Need] = (),
    ideas: Sequence[Idea] = (),
    value_amount=None,
    currency: str = "",
) -> Specification:
    """Start a specification from adopted needs and ideas, with the outcome-focused outline."""
    _require(
        actor,
        "specifications.create",
        organisation,
        f"Only buyer officers of {organisation} can start a specification for it.",
    )
    title = _text(title, "title")
    summary = _text(summary, "summary", required=False)
    value = _value(value_amount)
    currency = _currency(currency)
    needs, ideas = list(dict.fromkeys(needs)), list(dict.fromkeys(ideas))
    for need in needs:
        if need.organisation_id != organisation.pk or need.status != Need.Status.ADOPTED:
            raise ValidationError(
                {"needs": f"“{need.title}” is not a need adopted by {organisation}"}
            )
    for idea in ideas:
        if idea.adopted_by_id != organisation.pk or idea.status != Idea.Status.ADOPTED:
            raise ValidationError(
                {"ideas": f"“{idea.title}” is not an idea adopted by {organisation}"}
            )
    now = clock.now()
    with transaction.atomic():
        spec = Specification.objects.create(
            organisation=organisation,
            title=title,
            summary=summary,
            value_amount=value,
            currency=currency,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        spec.needs.set(needs)
        spec.ideas.set(ideas)
        sections = [
            {"key": s.key, "heading": s.heading, "body": _starting_text(s.key, needs, ideas)}
            for s in OUTLINE
        ]
        _cut_version(
            spec=spec,
            sections=sections,
            kind=SpecVersion.Kind.CREATED,
            author=actor,
            recorded_by=actor,
            note="Started from the outline",
        )
        notifications.follow(actor=actor, target=spec)
        audit.record(
            actor=actor,
            action="specification.created",
            obj=spec,
            organisation_id=organisation.pk,
            summary=f"{organisation} started the specification “{title}”",
            after={"needs": [n.pk for n in needs], "ideas": [i.pk for i in ideas]},
        )
        _tell(
            spec,
            f"{organisation} started a specification from something you follow: “{title}”",
            _url(spec),
            exclude=actor.pk,
        )
    return spec


def _starting_text(key: str, needs: Sequence[Need], ideas: Sequence[Idea]) -> str:
    """The problem section starts from the needs, the outcomes from the ideas; links both ways."""
    if key == "problem" and needs:
        lines = [
            f"- [{need.title}]({reverse('needs:detail', args=[need.pk])}): "
            f"{need.support_count} supports" + (f", {need.affects}" if need.affects else "")
            for need in needs
        ]
        return "This specification answers these needs:\n\n" + "\n".join(lines)
    if key == "outcomes" and ideas:
        lines = [
            f"- [{idea.title}]({reverse('needs:idea-detail', args=[idea.pk])})" for idea in ideas
        ]
        return "Ideas adopted so far:\n\n" + "\n".join(lines)
    return ""


def specification_update(
    *,
    actor: User,
    spec: Specification,
    title: str,
    summary: str = "",
    value_amount=None,
    currency: str = "",
    needs: Sequence[Need] | None = None,
    ideas: Sequence[Idea] | None = None,
) -> Specification:
    """Change the details around the text (title, summary, value, linked needs and ideas)."""
    _require_writer(actor, spec)
    title = _text(title, "title")
    summary = _text(summary, "summary", required=False)
    value = _value(value_amount)
    currency = _currency(currency)
    with transaction.atomic():
        spec = _locked(spec)
        if spec.status != Specification.Status.DRAFTING:
            raise ValidationError(
                "The details can change only while drafting: they were checked when it was frozen."
            )
        before = {"title": spec.title, "value": spec.value_amount, "currency": spec.currency}
        spec.title, spec.summary, spec.value_amount, spec.currency = title, summary, value, currency
        spec.updated_at = clock.now()
        spec.save(update_fields=["title", "summary", "value_amount", "currency", "updated_at"])
        # Links already made stay allowed even if a need has since been reopened.
        if needs is not None:
            linked = set(spec.needs.values_list("pk", flat=True))
            for need in needs:
                adopted = need.organisation_id == spec.organisation_id and need.status == "adopted"
                if not adopted and need.pk not in linked:
                    raise ValidationError({"needs": f"“{need.title}” is not adopted by you"})
            spec.needs.set(needs)
        if ideas is not None:
            linked = set(spec.ideas.values_list("pk", flat=True))
            for idea in ideas:
                if idea.adopted_by_id != spec.organisation_id and idea.pk not in linked:
                    raise ValidationError({"ideas": f"“{idea.title}” is not adopted by you"})
            spec.ideas.set(ideas)
        audit.record(
            actor=actor,
            action="specification.updated",
            obj=spec,
            organisation_id=spec.organisation_id,
            summary=f"{actor} changed the details of “{spec.title}”",
            before=before,
            after={"title": title, "value": value, "currency": currency},
        )
    return spec


def section_edit(
    *,
    actor: User,
    spec: Specification,
    key: str,
    body: str,
    heading: str = "",
    note: str = "",
    base_version: int | None = None,
) -> SpecVersion:
    """The buyer writes a section directly. ``base_version`` is the version the writer started
    from: if the section changed since, nothing is saved and the writer is told (their text is
    kept by the page), so nobody's accepted edit is overwritten unseen."""
    _require_writer(actor, spec)
    body = _text(body, "body", required=False)
    note = _text(note, "note", required=False)
    with transaction.atomic():
        spec = _locked(spec)
        kind = _check_changeable(spec, note) or SpecVersion.Kind.EDIT
        sections = _sections_of(spec.current_version)
        section = next((s for s in sections if s["key"] == key), None)
        if section is None:
            raise ValidationError({"key": "There is no such section"})
        heading = _text(heading or section["heading"], "heading")
        if base_version is not None and base_version != spec.version_count:
            base = spec.versions.filter(number=base_version).first()
            base_section = base.section(key) if base is not None else None
            if base_section is None or (base_section["body"], base_section["heading"]) != (
                section["body"],
                section["heading"],
            ):
                raise ValidationError(
                    {
                        "body": f"Someone changed this section since you opened it (it is now "
                        f"version {spec.version_count}). Your text is kept: compare it with "
                        f"the current text and save again."
                    }
                )
        section["heading"], section["body"] = heading, body
        version = _buyer_version(
            actor=actor,
            spec=spec,
            sections=sections,
            kind=kind,
            note=note,
            action="specification.edited",
            summary=f"{actor} edited “{heading}” in “{spec.title}”",
            after={"section": key, "note": note},
        )
    return version


def section_add(
    *, actor: User, spec: Specification, heading: str, body: str = "", note: str = ""
) -> SpecVersion:
    _require_writer(actor, spec)
    heading = _text(heading, "heading")
    body = _text(body, "body", required=False)
    note = _text(note, "note", required=False)
    with transaction.atomic():
        spec = _locked(spec)
        kind = _check_changeable(spec, note) or SpecVersion.Kind.STRUCTURE
        sections = _sections_of(spec.current_version)
        if len(sections) >= MAX_SECTIONS:
            raise ValidationError(
                {"heading": f"A specification has at most {MAX_SECTIONS} sections"}
            )
        key = _unique_key(heading, {s["key"] for s in sections})
        sections.append({"key": key, "heading": heading, "body": body})
        version = _buyer_version(
            actor=actor,
            spec=spec,
            sections=sections,
            kind=kind,
            note=note or f"Added the section “{heading}”",
            action="specification.section_added",
            summary=f"{actor} added the section “{heading}” to “{spec.title}”",
            after={"section": key},
        )
    return version


def section_remove(*, actor: User, spec: Specification, key: str, note: str = "") -> SpecVersion:
    _require_writer(actor, spec)
    note = _text(note, "note", required=False)
    with transaction.atomic():
        spec = _locked(spec)
        kind = _check_changeable(spec, note) or SpecVersion.Kind.STRUCTURE
        sections = _sections_of(spec.current_version)
        gone = next((s for s in sections if s["key"] == key), None)
        if gone is None:
            raise ValidationError({"key": "There is no such section"})
        if len(sections) == 1:
            raise ValidationError({"key": "A specification needs at least one section"})
        sections.remove(gone)
        version = _buyer_version(
            actor=actor,
            spec=spec,
            sections=sections,
            kind=kind,
            note=note or f"Removed the section “{gone['heading']}”",
            action="specification.section_removed",
            summary=f"{actor} removed the section “{gone['heading']}” from “{spec.title}”",
            after={"section": key},
        )
    return version


def section_move(
    *, actor: User, spec: Specification, key: str, direction: str, note: str = ""
) -> SpecVersion:
    _require_writer(actor, spec)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a section up or down"})
    with transaction.atomic():
        spec = _locked(spec)
        note = _text(note, "note", required=False)
        kind = _check_changeable(spec, note or "Sections reordered") or SpecVersion.Kind.STRUCTURE
        sections = _sections_of(spec.current_version)
        index = next((i for i, s in enumerate(sections) if s["key"] == key), None)
        if index is None:
            raise ValidationError({"key": "There is no such section"})
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(sections):
            end = "top" if direction == "up" else "bottom"
            raise ValidationError({"direction": f"That section is already at the {end}"})
        sections[index], sections[other] = sections[other], sections[index]
        version = _buyer_version(
            actor=actor,
            spec=spec,
            sections=sections,
            kind=kind,
            note=note or f"Moved “{sections[other]['heading']}” {direction}",
            action="specification.section_moved",
            summary=f"{actor} moved a section of “{spec.title}” {direction}",
            after={"section": key},
            announce=False,
        )
        if version.kind == SpecVersion.Kind.AMENDMENT:
            _announce_version(spec, version, actor)
    return version


def specification_revert(
    *, actor: User, spec: Specification, to_number: int, note: str = ""
) -> SpecVersion:
    """Bring back the text of an earlier version, as a new version (history is never lost)."""
    _require_writer(actor, spec)
    note = _text(note, "note", required=False)
    with transaction.atomic():
        spec = _locked(spec)
        kind = _check_changeable(spec, note)
        target = spec.versions.filter(number=to_number).first()
        if target is None:
            raise ValidationError({"version": "There is no such version"})
        if target.number == spec.version_count:
            raise ValidationError({"version": "That is already the current version"})
        version = _buyer_version(
            actor=actor,
            spec=spec,
            sections=[
                {"key": s["key"], "heading": s["heading"], "body": s["body"]}
                for s in target.sections
            ],
            kind=kind or SpecVersion.Kind.REVERT,
            note=note or f"Reverted to version {target.number}",
            action="specification.reverted",
            summary=f"{actor} reverted “{spec.title}” to version {target.number}",
            after={"reverted_to": target.number},
            reverted_to=target,
        )
    return version


def specification_freeze(
    *,
    actor: User,
    spec: Specification,
    acknowledgements: Sequence[gate.Acknowledgement] = (),
) -> Specification:
    """Cut the current version for publication, after facing the most similar past lessons."""
    _require_writer(actor, spec)
    if spec.status != Specification.Status.DRAFTING:
        raise ValidationError("Only a specification being drafted can be frozen.")
    lessons = gate.matches(gate_text(spec))
    kept = gate.check(lessons, acknowledgements)
    with transaction.atomic():
        spec = _locked(spec)
        if spec.status != Specification.Status.DRAFTING:
            raise ValidationError("Only a specification being drafted can be frozen.")
        spec.status = Specification.Status.FROZEN
        spec.frozen_version = spec.current_version
        spec.frozen_at = clock.now()
        spec.save(update_fields=["status", "frozen_version", "frozen_at"])
        gate.acknowledge(actor=actor, target=spec, acknowledgements=kept)
        audit.record(
            actor=actor,
            action="specification.frozen",
            obj=spec,
            organisation_id=spec.organisation_id,
            summary=f"{actor} froze version {spec.version_count} of “{spec.title}” for publication",
            after={
                "version": spec.version_count,
                "lessons": [{"lesson": a.lesson_id, "verdict": a.verdict} for a in kept],
            },
        )
        _tell(
            spec,
            f"“{spec.title}” was frozen for publication (version {spec.version_count})",
            _url(spec),
            exclude=actor.pk,
        )
    return spec


def gate_text(spec: Specification) -> str:
    """What the lessons gate compares with past lessons: the title, summary and every section."""
    parts = [spec.title, spec.summary]
    for section in _sections_of(spec.current_version):
        parts += [section["heading"], section["body"]]
    return "\n\n".join(p for p in parts if p)


def specification_reopen(*, actor: User, spec: Specification, reason: str) -> Specification:
    _require_writer(actor, spec)
    reason = _text(reason, "reason")
    with transaction.atomic():
        spec = _locked(spec)
        if spec.status != Specification.Status.FROZEN:
            raise ValidationError("Only a frozen specification can be reopened for drafting.")
        spec.status = Specification.Status.DRAFTING
        spec.frozen_version = None
        spec.frozen_at = None
        spec.save(update_fields=["status", "frozen_version", "frozen_at"])
        audit.record(
            actor=actor,
            action="specification.reopened",
            obj=spec,
            organisation_id=spec.organisation_id,
            summary=f"{actor} reopened “{spec.title}” for drafting: {reason}",
            after={"reason": reason},
        )
        _tell(spec, f"“{spec.title}” is open for drafting again", _url(spec), exclude=actor.pk)
    return spec


def specification_publish(*, actor: User, spec: Specification) -> Specification:
    """Mark the frozen version as published. Called by the procurement process that publishes
    it; from then on the text changes only by amendment with a public change note."""
    _require_writer(actor, spec)
    with transaction.atomic():
        spec = _locked(spec)
        if spec.status != Specification.Status.FROZEN:
            raise ValidationError("Freeze the specification before publishing it.")
        spec.status = Specification.Status.PUBLISHED
        spec.published_at = clock.now()
        spec.save(update_fields=["status", "published_at"])
        audit.record(
            actor=actor,
            action="specification.published",
            obj=spec,
            organisation_id=spec.organisation_id,
            summary=f"{actor} published version {spec.version_count} of “{spec.title}”",
            after={"version": spec.version_count},
        )
    return spec


# --- suggestions ----------------------------------------------------------------------------


def _on_behalf_of(actor: User, organisation: Organisation | None) -> Organisation | None:
    if organisation is None:
        return None
    if not Membership.objects.filter(user=actor, organisation=organisation).exists():
        raise ValidationError(
            {"on_behalf_of": "You can only write for an organisation you belong to"}
        )
    return organisation


def suggestion_create(
    *,
    actor: User,
    spec: Specification,
    section_key: str,
    proposed_text: str,
    reason: str,
    base_version: int | None = None,
    on_behalf_of: Organisation | None = None,
) -> Suggestion:
    """Propose new text for one section, against the version the author read."""
    _require(actor, "specifications.suggest", spec, "Sign in to suggest an edit.")
    moderation.ensure_can_post(actor)
    proposed = _text(proposed_text, "body", required=False, label="suggested text")
    reason = _text(reason, "reason", label="reason for the change")
    organisation = _on_behalf_of(actor, on_behalf_of)
    recent = Suggestion.objects.filter(author=actor, created_at__gte=moderation.since("suggestion"))
    moderation.check_rate(actor, "suggestion", recent.count())
    spam = moderation.looks_like_spam(actor, f"{proposed}\n{reason}")
    with transaction.atomic():
        spec = _locked(spec)
        if spec.status != Specification.Status.DRAFTING:
            raise ValidationError(
                "Suggestions are closed: this specification is not being drafted."
            )
        return _suggest(
            actor, spec, section_key, proposed, reason, base_version, organisation, spam
        )


def _suggest(
    actor: User,
    spec: Specification,
    section_key: str,
    proposed: str,
    reason: str,
    base_version: int | None,
    organisation: Organisation | None,
    spam: bool,
) -> Suggestion:
    base = (
        spec.versions.filter(number=base_version).first()
        if base_version is not None
        else spec.current_version
    )
    if base is None:
        raise ValidationError({"base_version": "There is no such version"})
    section = base.section(section_key)
    if section is None:
        raise ValidationError({"section_key": "There is no such section"})
    if proposed == section["body"]:
        raise ValidationError({"proposed_text": "Your text is the same as the section's text"})
    suggestion = Suggestion.objects.create(
        specification=spec,
        section_key=section_key,
        section_heading=section["heading"],
        base_version=base,
        base_text=section["body"],
        proposed_text=proposed,
        reason=reason,
        author=actor,
        on_behalf_of=organisation,
        visibility=Visibility.HELD if spam else Visibility.VISIBLE,
        created_at=clock.now(),
    )
    notifications.follow(actor=actor, target=suggestion)
    audit.record(
        actor=actor,
        action="suggestion.created",
        obj=suggestion,
        organisation_id=spec.organisation_id,
        summary=f"{actor} suggested an edit to “{section['heading']}” in “{spec.title}”",
        after={"section": section_key, "base_version": base.number},
    )
    if suggestion.visibility == Visibility.VISIBLE:
        _tell(
            spec,
            f"{actor.name} suggested an edit to “{section['heading']}” in “{spec.title}”",
            reverse("specifications:suggestion", args=[spec.pk, suggestion.pk]),
            exclude=actor.pk,
        )
    return suggestion


def _open_suggestion(suggestion: Suggestion, *, to_decide: bool) -> Suggestion:
    """The suggestion, locked, if it is still open (and, for the buyer to decide on, visible)."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if not suggestion.is_open:
        raise ValidationError("This suggestion has already been decided or withdrawn.")
    if to_decide and moderation.withheld(None, suggestion):
        raise ValidationError("This suggestion is waiting for a moderator.")
    return suggestion


def suggestion_withdraw(*, actor: User, suggestion: Suggestion, reason: str = "") -> Suggestion:
    if not actor.is_authenticated or actor.pk != suggestion.author_id:
        raise PermissionDenied("Only its author can withdraw a suggestion.")
    reason = _text(reason, "reason", required=False)
    with transaction.atomic():
        suggestion = _open_suggestion(suggestion, to_decide=False)
        suggestion.state = Suggestion.State.WITHDRAWN
        suggestion.decided_at = clock.now()
        suggestion.decision_reason = reason
        suggestion.save(update_fields=["state", "decided_at", "decision_reason"])
        audit.record(
            actor=actor,
            action="suggestion.withdrawn",
            obj=suggestion,
            organisation_id=suggestion.specification.organisation_id,
            summary=f"{actor} withdrew their suggestion on “{suggestion.section_heading}”",
            after={"reason": reason},
        )
    return suggestion


def suggestion_reject(*, actor: User, suggestion: Suggestion, reason: str) -> Suggestion:
    spec = suggestion.specification
    _require_writer(actor, spec)
    reason = _text(reason, "reason", label="reason for rejecting it")
    with transaction.atomic():
        suggestion = _open_suggestion(suggestion, to_decide=True)
        suggestion.state = Suggestion.State.REJECTED
        suggestion.decided_by = actor
        suggestion.decided_at = clock.now()
        suggestion.decision_reason = reason
        suggestion.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        audit.record(
            actor=actor,
            action="suggestion.rejected",
            obj=suggestion,
            organisation_id=spec.organisation_id,
            summary=f"{actor} rejected a suggestion on “{suggestion.section_heading}”: {reason}",
            after={"reason": reason},
        )
        _tell(
            spec,
            f"A suggestion on “{suggestion.section_heading}” was not accepted: {reason[:120]}",
            reverse("specifications:suggestion", args=[spec.pk, suggestion.pk]),
            exclude=actor.pk,
            extra=[suggestion.author_id],
        )
    return suggestion


def suggestion_accept(
    *,
    actor: User,
    suggestion: Suggestion,
    reason: str = "",
    resolved_text: str | None = None,
    reviewed_version: int | None = None,
) -> SpecVersion:
    """Accept a suggestion: a new version, credited to the suggestion's author.

    If the section changed since the suggestion's base, it is never applied blindly: the buyer
    reviews the three-way difference and sends the resolved text, with the number of the version
    they reviewed it against; if the section changed again since, they must review again.
    """
    spec = suggestion.specification
    _require_writer(actor, spec)
    reason = _text(reason, "reason", required=False)
    with transaction.atomic():
        spec = _locked(spec)
        suggestion = _open_suggestion(suggestion, to_decide=True)
        if spec.status != Specification.Status.DRAFTING:
            raise ValidationError(
                "Suggestions can be accepted only while the specification is being drafted."
            )
        current = spec.latest
        sections = _sections_of(current)
        section = next((s for s in sections if s["key"] == suggestion.section_key), None)
        if section is None:
            raise ValidationError("The section this suggestion changes has been removed.")
        if is_outdated(suggestion, current):
            if resolved_text is None or reviewed_version != spec.version_count:
                raise ValidationError(
                    {
                        "resolved_text": "The section has changed since this suggestion was "
                        "made. Review the combined text against the current version and "
                        "accept that."
                    }
                )
            body = _text(resolved_text, "body", required=False, label="combined text")
            if texts.has_conflict_markers(body):
                raise ValidationError(
                    {
                        "resolved_text": "Choose between the current and the suggested text "
                        "where they clash, and remove the <<<<<<< ======= >>>>>>> lines"
                    }
                )
        else:
            # Taken as written: the words credited to its author are the author's own. The buyer
            # can edit the new version afterwards, as their own version.
            body = suggestion.proposed_text
        section["body"] = body
        version = _cut_version(
            spec=spec,
            sections=sections,
            kind=SpecVersion.Kind.SUGGESTION,
            author=suggestion.author,
            recorded_by=actor,
            note=reason or f"Accepted the suggestion by {suggestion.author.name}",
            suggestion=suggestion,
        )
        suggestion.state = Suggestion.State.ACCEPTED
        suggestion.decided_by = actor
        suggestion.decided_at = version.created_at
        suggestion.decision_reason = reason
        suggestion.result_version = version
        suggestion.save(
            update_fields=["state", "decided_by", "decided_at", "decision_reason", "result_version"]
        )
        audit.record(
            actor=actor,
            action="suggestion.accepted",
            obj=suggestion,
            organisation_id=spec.organisation_id,
            summary=f"{actor} accepted a suggestion by {suggestion.author} on "
            f"“{suggestion.section_heading}” (version {version.number})",
            after={"version": version.number, "reason": reason},
        )
        _tell(
            spec,
            f"A suggestion on “{suggestion.section_heading}” was accepted into "
            f"“{spec.title}” (version {version.number})",
            reverse("specifications:suggestion", args=[spec.pk, suggestion.pk]),
            exclude=actor.pk,
            extra=[suggestion.author_id],
        )
    return version


# --- annotations ----------------------------------------------------------------------------


def annotation_create(
    *,
    actor: User,
    spec: Specification,
    section_key: str,
    paragraph: int,
    body: str,
    quote: str = "",
    start: int | None = None,
) -> Annotation:
    """Comment on a passage of the current version. Without a quote, on the whole paragraph."""
    _require(actor, "specifications.annotate", spec, "Sign in to comment on a passage.")
    moderation.ensure_can_post(actor)
    body = _text(body, "comment")
    quote = " ".join(str(quote or "").split())
    if len(quote) > LIMITS["quote"]:
        raise ValidationError({"quote": f"Quote at most {LIMITS['quote']:,} characters"})
    recent = Annotation.objects.filter(author=actor, created_at__gte=moderation.since("annotation"))
    moderation.check_rate(actor, "annotation", recent.count())
    spam = moderation.looks_like_spam(actor, body)
    with transaction.atomic():
        spec = _locked(spec)
        if spec.status != Specification.Status.DRAFTING:
            raise ValidationError("Comments on passages are closed: this is not being drafted.")
        version = spec.latest
        section = version.section(section_key)
        if section is None:
            raise ValidationError({"section_key": "Choose a section"})
        plain = [texts.plain_text(p) for p in texts.paragraphs(section["body"])]
        if not isinstance(paragraph, int) or not 0 <= paragraph < len(plain):
            raise ValidationError({"paragraph": "Choose a paragraph of this section"})
        text = plain[paragraph]
        found = 0
        if not quote:
            quote = text
        else:
            found = _locate(text, quote, start)
            if found < 0:
                raise ValidationError(
                    {
                        "quote": f"These words are not in paragraph {paragraph + 1}: copy them "
                        "exactly"
                    }
                )
        if not quote:
            raise ValidationError({"paragraph": "That paragraph has no words to comment on"})
        annotation = Annotation.objects.create(
            specification=spec,
            version=version,
            section_key=section_key,
            paragraph=paragraph,
            quote=quote,
            start=found,
            prefix=text[max(0, found - 32) : found],
            suffix=text[found + len(quote) : found + len(quote) + 32],
            body=body,
            body_html=markup.render(body, trusted_links=False),
            author=actor,
            visibility=Visibility.HELD if spam else Visibility.VISIBLE,
            created_at=clock.now(),
        )
        notifications.follow(actor=actor, target=annotation)
        audit.record(
            actor=actor,
            action="annotation.created",
            obj=annotation,
            organisation_id=spec.organisation_id,
            summary=f"{actor} commented on a passage of “{spec.title}”",
            after={"section": section_key, "paragraph": paragraph, "version": version.number},
        )
        if annotation.visibility == Visibility.VISIBLE:
            _tell(
                spec,
                f"{actor.name} commented on a passage of “{spec.title}”",
                reverse("specifications:annotation", args=[spec.pk, annotation.pk]),
                exclude=actor.pk,
            )
    return annotation


def _locate(text: str, quote: str, start: int | None) -> int:
    """Where ``quote`` is in ``text``: the occurrence nearest ``start``, else -1."""
    hits, at = [], text.find(quote)
    while at >= 0:
        hits.append(at)
        at = text.find(quote, at + 1)
    if not hits:
        return -1
    return min(hits, key=lambda h: abs(h - (start or 0)))


def annotation_withdraw(*, actor: User, annotation: Annotation) -> Annotation:
    if not actor.is_authenticated or actor.pk != annotation.author_id:
        raise PermissionDenied("Only its author can withdraw a comment.")
    with transaction.atomic():
        annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
        if annotation.state != Annotation.State.OPEN:
            raise ValidationError("This comment has already been withdrawn.")
        annotation.state = Annotation.State.WITHDRAWN
        annotation.save(update_fields=["state"])
        audit.record(
            actor=actor,
            action="annotation.withdrawn",
            obj=annotation,
            organisation_id=annotation.specification.organisation_id,
            summary=f"{actor} withdrew a comment on “{annotation.specification}”",
        )
    return annotation
