"""Reads for specifications: lists, the parts of one specification a viewer may see, history,
provenance and lint. Specifications are public; what people wrote on them (suggestions,
annotations) follows the same moderation rules as needs and comments."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Model, Q, QuerySet

from openbuy.discussion.models import Visibility
from openbuy.specifications import lint, texts
from openbuy.specifications.models import Annotation, Specification, SpecVersion, Suggestion

STATUS_FILTERS = dict(Specification.Status.choices)


def audience(spec: Specification) -> list[Model]:
    """Who hears of what happens to a specification: its followers and its needs' followers."""
    return [spec, *spec.needs.all()]


def related_block(obj, user):
    """For a need's or idea's page: the specifications written from it, and for a buyer of an
    adopted one, a way to start another."""
    from django.urls import reverse

    from openbuy.accounts.rules import can
    from openbuy.needs.models import Need
    from openbuy.ui.related import Related

    links = [
        (spec.title, reverse("specifications:detail", args=[spec.pk]))
        for spec in obj.specifications.all().order_by("-created_at")[:20]
    ]
    actions = []
    if obj.status == "adopted" and user is not None:
        organisation = obj.organisation if isinstance(obj, Need) else obj.adopted_by
        if organisation is not None and can(user, "specifications.create", organisation):
            kind = "need" if isinstance(obj, Need) else "idea"
            url = reverse("specifications:create") + f"?{kind}={obj.pk}"
            actions.append(("Start a specification from this", url))
    return Related(heading="Specifications", links=links, actions=actions)


def spec_list(*, organisation: str = "", status: str = "", query: str = "") -> QuerySet:
    qs = Specification.objects.select_related("organisation").annotate(
        open_suggestions=Count(
            "suggestions",
            filter=Q(
                suggestions__state=Suggestion.State.OPEN,
                suggestions__visibility=Visibility.VISIBLE,
                suggestions__author__blocked_at__isnull=True,
            ),
            distinct=True,
        )
    )
    if organisation:
        qs = qs.filter(organisation__slug=organisation)
    if status in STATUS_FILTERS:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    return qs.order_by("-updated_at", "-id")


def _visible_to(qs: QuerySet, user) -> QuerySet:
    """Held and hidden posts, and posts by blocked accounts, are kept from everyone but their
    authors and moderators (the same rule as moderation.withheld_from)."""
    shown = Q(visibility=Visibility.VISIBLE, author__blocked_at__isnull=True)
    if getattr(user, "is_authenticated", False):
        if user.is_moderator:
            return qs
        shown |= Q(author=user)
    return qs.filter(shown)


def suggestions_for(spec: Specification, user, *, state: str = "") -> QuerySet[Suggestion]:
    qs = _visible_to(spec.suggestions.all(), user).select_related("author", "on_behalf_of")
    if state in Suggestion.State.values:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def annotations_for(spec: Specification, user, *, include_withdrawn: bool = False):
    qs = _visible_to(spec.annotations.all(), user).select_related("author")
    if not include_withdrawn:
        qs = qs.filter(state=Annotation.State.OPEN)
    return qs.order_by("created_at", "id")


def versions(spec: Specification) -> QuerySet[SpecVersion]:
    """The history, newest first, without the (large) section texts."""
    return (
        spec.versions.defer("sections")
        .select_related("author", "recorded_by", "suggestion")
        .order_by("-number")
    )


def version(spec: Specification, number: int) -> SpecVersion | None:
    return spec.versions.select_related("author", "recorded_by").filter(number=number).first()


def is_outdated(suggestion: Suggestion, current: SpecVersion) -> bool:
    """A suggestion is outdated when its section changed (or went) since the version it read."""
    section = current.section(suggestion.section_key)
    if section is None:
        return True
    return texts.normalise_newlines(section["body"]) != texts.normalise_newlines(
        suggestion.base_text
    )


# --- provenance -----------------------------------------------------------------------------


@dataclass
class Paragraph:
    index: int
    source: str
    html: str
    plain: str
    origin: SpecVersion | None = None
    annotations: list = field(default_factory=list)


@dataclass
class SectionView:
    key: str
    heading: str
    body: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    # Comments on passages that are no longer in the text.
    outdated: list = field(default_factory=list)


def _paragraph(index: int, source: str) -> Paragraph:
    from openbuy.discussion import markup

    html = markup.render(source, trusted_links=True)
    return Paragraph(index=index, source=source, html=html, plain=texts.plain_text(source))


def document(version: SpecVersion, annotations=()) -> list[SectionView]:
    """The sections of ``version`` as paragraphs, each with the comments anchored to it and
    those passages highlighted. A comment whose passage is gone is listed as outdated."""
    by_section: dict[str, list[Annotation]] = {}
    for annotation in annotations:
        by_section.setdefault(annotation.section_key, []).append(annotation)
    result = []
    for section in version.sections:
        view = SectionView(key=section["key"], heading=section["heading"], body=section["body"])
        view.paragraphs = [
            _paragraph(i, p) for i, p in enumerate(texts.paragraphs(section["body"]))
        ]
        plain = [p.plain for p in view.paragraphs]
        marks: dict[int, list[tuple[int, int, str]]] = {}
        for annotation in by_section.get(section["key"], []):
            anchor = texts.find_anchor(
                plain,
                annotation.quote,
                paragraph=annotation.paragraph,
                start=annotation.start,
                prefix=annotation.prefix,
                suffix=annotation.suffix,
            )
            annotation.anchor = anchor
            if anchor is None:
                view.outdated.append(annotation)
                continue
            view.paragraphs[anchor.paragraph].annotations.append(annotation)
            marks.setdefault(anchor.paragraph, []).append(
                (anchor.start, anchor.end, f"annotation-{annotation.pk}")
            )
        for index, ranges in marks.items():
            paragraph = view.paragraphs[index]
            paragraph.html = texts.highlight_html(paragraph.html, ranges)
        result.append(view)
    return result


def provenance(spec: Specification, version: SpecVersion) -> list[SectionView]:
    """Each paragraph of ``version`` with the version (and so the suggestion and author) that
    introduced it. Two queries whatever the number of versions."""
    wanted = {n for section in version.sections for n in section.get("origins", [])}
    origins = {
        v.number: v
        for v in spec.versions.defer("sections")
        .filter(number__in=wanted)
        .select_related("author", "recorded_by", "suggestion")
    }
    result = []
    for section in version.sections:
        paras = texts.paragraphs(section["body"])
        numbers = section.get("origins") or [version.number] * len(paras)
        view = SectionView(key=section["key"], heading=section["heading"], body=section["body"])
        for index, (source, number) in enumerate(zip(paras, numbers, strict=False)):
            paragraph = _paragraph(index, source)
            paragraph.origin = origins.get(number)
            view.paragraphs.append(paragraph)
        result.append(view)
    return result


@dataclass
class SectionChange:
    key: str
    heading: str
    change: str  # "added" | "removed" | "changed" | "same"
    diff: str
    old_heading: str = ""


def compare(old: SpecVersion, new: SpecVersion) -> list[SectionChange]:
    """Section-by-section difference between two versions, in the newer version's order, with
    removed sections where they were."""
    before = {s["key"]: s for s in old.sections}
    after = {s["key"]: s for s in new.sections}
    changes = []
    for section in new.sections:
        was = before.get(section["key"])
        if was is None:
            changes.append(
                SectionChange(
                    section["key"],
                    section["heading"],
                    "added",
                    texts.diff_html("", section["body"]),
                )
            )
        else:
            same = was["body"] == section["body"] and was["heading"] == section["heading"]
            changes.append(
                SectionChange(
                    section["key"],
                    section["heading"],
                    "same" if same else "changed",
                    texts.diff_html(was["body"], section["body"]),
                    old_heading=was["heading"] if was["heading"] != section["heading"] else "",
                )
            )
    for section in old.sections:
        if section["key"] not in after:
            changes.append(
                SectionChange(
                    section["key"],
                    section["heading"],
                    "removed",
                    texts.diff_html(section["body"], ""),
                )
            )
    return changes


# --- lint -----------------------------------------------------------------------------------


def lint_report(spec: Specification, version: SpecVersion) -> list[lint.SectionReport]:
    """Lint findings for a version. Versions never change, so the result is cached by version
    (and by the value the turnover and insurance checks compare with)."""
    key = f"spec-lint:v1:{version.pk}:{spec.value_amount}:{spec.currency}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    config = lint.config_from_settings(contract_value=spec.value_amount, currency=spec.currency)
    report = lint.lint_sections(
        [(s["key"], s["heading"], s["body"]) for s in version.sections], config
    )
    cache.set(key, report, 3600)
    return report


def lint_draft(
    spec: Specification, version: SpecVersion, key: str, body: str, heading: str = ""
) -> lint.SectionReport:
    """Findings for one section's text while it is being written (an edit, a suggestion), read
    with the rest of the specification, so acronyms spelled out elsewhere are not flagged."""
    config = lint.config_from_settings(contract_value=spec.value_amount, currency=spec.currency)
    sections = [(s["key"], s["heading"], s["body"]) for s in version.sections]
    if not any(k == key for k, _, _ in sections):
        sections.append((key, heading, body))
    sections = [(k, h, body if k == key else b) for k, h, b in sections]
    for report in lint.lint_sections(sections, config):
        if report.key == key:
            return report
    raise LookupError(key)  # pragma: no cover - the key was added above
