"""Every write to the lessons register: lessons written, captured and imported; publication and
the removal of names; the acknowledgements made at the lessons gate. Each change to what is
published queues a rebuild of the similarity index, off the request path."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from openbuy import clock
from openbuy.accounts.models import Organisation, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit
from openbuy.lessons import capture as capturing
from openbuy.lessons import gate, links
from openbuy.lessons.models import Acknowledgement, Capture, Lesson, Redaction, Stage

LIMITS = {"title": 200, "text": 5000, "tags": 300, "reason": 2000, "names": 50}
REMOVED = "[name removed]"
clean = capturing.clean


def reindex_later() -> None:
    """Rebuild the similarity index once the current transaction commits (in a worker when
    ``OPENBUY_TASKS=database``)."""
    from openbuy.lessons.tasks import reindex

    transaction.on_commit(lambda: reindex.enqueue())


def _text(value, name: str, *, limit: int, required: bool = True) -> str:
    text = clean(value)
    if required and not text:
        raise ValidationError({name: "Enter this"})
    if len(text) > limit:
        raise ValidationError({name: f"Keep it to {limit} characters"})
    return text


def _cost(amount, currency) -> tuple[Decimal | None, str]:
    text = str(amount if amount is not None else "").replace(",", "").strip()
    if not text:
        return None, ""
    try:
        value = Decimal(text.lstrip("£$€"))
    except InvalidOperation:
        raise ValidationError({"cost_amount": "Enter the cost as a number, like 25000"}) from None
    if not value.is_finite() or value < 0 or value > Decimal("99999999999999"):
        raise ValidationError(
            {"cost_amount": "Enter a cost of 0 or more, below 100 trillion, like 25000"}
        )
    code = str(currency or "GBP").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValidationError({"cost_currency": "Enter a three-letter currency code, like GBP"})
    return value.quantize(Decimal("0.01")), code


def _fields(data: dict) -> dict:
    clean: dict[str, object] = {
        "title": _text(data.get("title"), "title", limit=LIMITS["title"]),
        **{
            name: _text(data.get(name), name, limit=LIMITS["text"])
            for name in ("tried", "happened", "why", "do_differently")
        },
        "tags": ", ".join(
            t.strip()
            for t in _text(data.get("tags"), "tags", limit=LIMITS["tags"], required=False).split(
                ","
            )
            if t.strip()
        ),
    }
    stage = str(data.get("stage") or "").strip()
    if stage and stage not in Stage.values:
        raise ValidationError({"stage": f"Choose one of: {', '.join(Stage.values)}"})
    clean["stage"] = stage
    clean["cost_amount"], clean["cost_currency"] = _cost(
        data.get("cost_amount"), data.get("cost_currency")
    )
    clean["area"] = data.get("area")
    return clean


def _about(obj: Model | None) -> dict:
    if obj is None:
        return {}
    return {"content_type": ContentType.objects.get_for_model(obj), "object_id": obj.pk}


def _audit(actor, lesson: Lesson, action: str, summary: str, **changes) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=lesson,
        organisation_id=lesson.organisation_id,
        summary=summary,
        public=lesson.status == Lesson.Status.PUBLISHED,
        **changes,
    )


# --- writing, publishing, removing names ---------------------------------------------------


def lesson_create(
    *,
    actor: User,
    organisation: Organisation,
    data: dict,
    publish: bool = True,
    about: Model | None = None,
    about_label: str = "",
    about_url: str = "",
    source: str = Lesson.Source.WRITTEN,
) -> Lesson:
    """Write a lesson for a buying organisation: published at once (lessons are public by
    default), or kept as a draft to check for the names of individuals first."""
    if not can(actor, "lessons.write_for", organisation):
        raise PermissionDenied(f"Only buyer officers of {organisation} write its lessons.")
    clean = _fields(data)
    link = links.resolve_link(data.get("about", ""), organisation=organisation)
    if link is not None:
        about, about_label, about_url = link.about, link.label, link.url
    now = clock.now()
    with transaction.atomic():
        lesson = Lesson.objects.create(
            organisation=organisation,
            author=actor,
            source=source,
            status=Lesson.Status.PUBLISHED if publish else Lesson.Status.DRAFT,
            published_at=now if publish else None,
            created_at=now,
            updated_at=now,
            about_label=about_label[:300],
            about_url=about_url[:300],
            **_about(about),
            **clean,
        )
        _audit(
            actor,
            lesson,
            "lesson.published" if publish else "lesson.drafted",
            f"{actor} {'published' if publish else 'drafted'} lesson {lesson.pk}",
        )
        if publish:
            reindex_later()
    return lesson


def lesson_update(*, actor: User, lesson: Lesson, data: dict) -> Lesson:
    """Change a draft. A published lesson changes only by removing names from it."""
    if not can(actor, "lessons.keep", lesson):
        raise PermissionDenied("Only the organisation's buyer officers change its lessons.")
    clean = _fields(data)
    link = links.resolve_link(data.get("about", ""), organisation=lesson.organisation)
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        if lesson.status != Lesson.Status.DRAFT:
            raise ValidationError(
                "A published lesson is kept as it was written; you can remove names from it."
            )
        for name, value in clean.items():
            setattr(lesson, name, value)
        if link is not None:
            for name, value in {**_about(link.about), "about_label": link.label}.items():
                setattr(lesson, name, value)
            lesson.about_url = link.url
        lesson.updated_at = clock.now()
        lesson.save()
        _audit(actor, lesson, "lesson.changed", f"{actor} changed the draft lesson {lesson.pk}")
    return lesson


def lesson_publish(*, actor: User, lesson: Lesson) -> Lesson:
    if not can(actor, "lessons.keep", lesson):
        raise PermissionDenied("Only the organisation's buyer officers publish its lessons.")
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        if lesson.status == Lesson.Status.PUBLISHED:
            raise ValidationError("This lesson is already published.")
        lesson.status = Lesson.Status.PUBLISHED
        lesson.published_at = lesson.updated_at = clock.now()
        lesson.save(update_fields=["status", "published_at", "updated_at"])
        _audit(actor, lesson, "lesson.published", f"{actor} published lesson {lesson.pk}")
        reindex_later()
    return lesson


TEXT_FIELDS = ("title", "tried", "happened", "why", "do_differently", "tags")


def redact(text: str, names: Sequence[str]) -> tuple[str, int]:
    """``text`` with each name (whole words, any case, longest first) replaced; and how many
    passages were replaced."""
    count = 0
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        text, n = pattern.subn(REMOVED, text)
        count += n
    return text, count


def lesson_redact(*, actor: User, lesson: Lesson, names: Sequence[str], reason: str) -> Redaction:
    """Remove the names of individuals from a lesson, wherever they appear. The removal is
    recorded (how many passages, why, by whom), never the names removed."""
    if not can(actor, "lessons.keep", lesson):
        raise PermissionDenied("Only the organisation's buyer officers remove names.")
    names = [str(n).strip() for n in names if str(n).strip()]
    if not names:
        raise ValidationError({"names": "Enter the names to remove, one a line"})
    if len(names) > LIMITS["names"] or any(len(n) > 200 for n in names):
        raise ValidationError({"names": f"Enter at most {LIMITS['names']} names"})
    reason = _text(reason, "reason", limit=LIMITS["reason"])
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        total = 0
        for name in TEXT_FIELDS:
            value, count = redact(getattr(lesson, name), names)
            limit = LIMITS.get(name, LIMITS["text"])
            if len(value) > limit:
                raise ValidationError(
                    {"names": f"With the names replaced, the {name} would be too long: shorten it"}
                )
            setattr(lesson, name, value)
            total += count
        if not total:
            raise ValidationError({"names": "None of these names appear in the lesson"})
        lesson.updated_at = clock.now()
        lesson.save()
        made = Redaction.objects.create(
            lesson=lesson, passages=total, reason=reason, by=actor, at=lesson.updated_at
        )
        _audit(
            actor,
            lesson,
            "lesson.redacted",
            f"{actor} removed the names of individuals from lesson {lesson.pk} "
            f"({total} passage{'s' if total != 1 else ''}): {reason}",
        )
        if lesson.status == Lesson.Status.PUBLISHED:
            reindex_later()
    return made


# --- capture where failure happens -------------------------------------------------------------


def capture(
    *,
    actor: User,
    entry: capturing.Entry,
    kind: str,
    organisation: Organisation,
    about: Model,
    label: str,
    url: str,
    stage: str,
    area=None,
    cost=None,
    currency: str = "",
) -> Capture:
    """Keep a failure's lesson or its no-lesson reason (see :mod:`openbuy.lessons.capture`).
    Runs inside the caller's transaction; the caller has checked who acts."""
    lesson = None
    if entry.lesson:
        now = clock.now()
        publish = not entry.check_names_first
        lesson = Lesson.objects.create(
            organisation=organisation,
            author=actor,
            source=Lesson.Source.CAPTURED,
            status=Lesson.Status.PUBLISHED if publish else Lesson.Status.DRAFT,
            published_at=now if publish else None,
            created_at=now,
            updated_at=now,
            stage=stage,
            area=area,
            cost_amount=cost,
            cost_currency=currency if cost is not None else "",
            about_label=label[:300],
            about_url=url[:300],
            **_about(about),
            **dict(entry.lesson),
        )
        if publish:
            reindex_later()
    made = Capture.objects.create(
        kind=kind,
        organisation=organisation,
        label=label[:300],
        url=url[:300],
        lesson=lesson,
        no_lesson_reason="" if lesson else entry.no_lesson_reason,
        recorded_by=actor,
        recorded_at=clock.now(),
        **_about(about),
    )
    audit.record(
        actor=actor,
        action="lesson.captured",
        obj=made,
        organisation_id=organisation.pk,
        summary=(
            f"{actor} recorded lesson {lesson.pk} from: {label}"
            if lesson
            else f"{actor} recorded no lesson from: {label} — {entry.no_lesson_reason}"
        )[:1000],
    )
    return made


# --- the lessons gate ------------------------------------------------------------------------


def acknowledge(
    *, actor: User, target: Model, acknowledgements: Sequence[gate.Acknowledgement]
) -> list[Acknowledgement]:
    """Keep the answers given at the lessons gate, in the caller's transaction. Public on the
    target's page."""
    found = set(
        Lesson.objects.filter(pk__in=[a.lesson_id for a in acknowledgements]).values_list(
            "pk", flat=True
        )
    )
    kind = ContentType.objects.get_for_model(target)
    now = clock.now()
    return Acknowledgement.objects.bulk_create(
        Acknowledgement(
            lesson_id=a.lesson_id,
            content_type=kind,
            object_id=target.pk,
            verdict=a.verdict,
            text=a.text,
            score=a.score,
            by=actor,
            at=now,
        )
        for a in acknowledgements
        if a.lesson_id in found
    )


# --- import from a spreadsheet ---------------------------------------------------------------

COLUMNS = ("title", "tried", "happened", "why", "do_differently", "tags", "organisation")


@dataclass
class Report:
    read: int = 0
    stored: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _organisation(name: str, cache: dict) -> Organisation | None:
    key = name.strip().lower()
    if key not in cache:
        cache[key] = (
            Organisation.objects.filter(slug__iexact=name.strip()).first()
            or Organisation.objects.filter(name__iexact=name.strip()).first()
        )
    return cache[key]


def import_rows(lines: Iterable[str], *, actor: User | None = None) -> Report:
    """Import lessons from CSV text with the columns of :data:`COLUMNS` (a header row first;
    extra columns are ignored). Each good row is stored, published and attributed to its
    organisation — matched by slug or name, or kept as written when it has no account here. Bad
    rows — missing cells, cells too long, text that is not CSV — are reported with the line they
    start on, and the good ones are kept. A row imported before is recognised by its digest and
    not stored twice."""
    report = Report()
    reader = csv.reader(lines)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        report.errors.append((1, f"The header row is not CSV: {error}"))
        return report
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        report.errors.append((1, f"The header must name the columns: missing {', '.join(missing)}"))
        return report
    organisations: dict = {}
    try:
        while True:
            line = reader.line_num + 1  # where the next record starts
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                report.read += 1
                report.errors.append((line, f"This row is not readable as CSV: {error}"))
                if reader.line_num < line:  # the reader cannot move on: stop here
                    break
                continue
            if not any(c.strip() for c in cells):
                continue  # a blank line
            report.read += 1
            _import_row(report, line, header, cells, organisations, actor)
    finally:
        if report.stored:
            with transaction.atomic():
                audit.record(
                    actor=actor,
                    action="lesson.imported",
                    summary=f"{report.stored} lesson{'s' if report.stored != 1 else ''} "
                    "imported from a register",
                )
                reindex_later()
    return report


def _import_row(report: Report, line: int, header, cells, organisations, actor) -> None:
    try:
        if len(cells) > len(header):
            raise ValidationError("This row has more cells than the header")
        row = dict(zip(header, cells, strict=False))
        data = {c: clean(row.get(c, "")) for c in COLUMNS}
        if not data["organisation"]:
            raise ValidationError({"organisation": "Name the organisation"})
        fields = _fields(data)
        organisation = _organisation(data["organisation"], organisations)
        key = hashlib.sha256("\x1f".join(data[c] for c in COLUMNS).encode()).hexdigest()
        if Lesson.objects.filter(import_key=key).exists():
            report.unchanged += 1
            return
        now = clock.now()
        with transaction.atomic():
            Lesson.objects.create(
                organisation=organisation,
                attributed_to="" if organisation else data["organisation"][:200],
                author=actor,
                source=Lesson.Source.IMPORTED,
                status=Lesson.Status.PUBLISHED,
                published_at=now,
                created_at=now,
                updated_at=now,
                import_key=key,
                **fields,
            )
        report.stored += 1
    except ValidationError as error:
        messages = (
            [f"{k}: {'; '.join(v)}" for k, v in error.message_dict.items()]
            if hasattr(error, "error_dict")
            else error.messages
        )
        report.errors.append((line, "; ".join(messages)))
    except IntegrityError:  # imported at the same moment by another run
        report.unchanged += 1


def import_csv(data: bytes | str, *, actor: User | None = None) -> Report:
    """Import a CSV file (UTF-8, as spreadsheets save "CSV UTF-8"). A file in another encoding
    is refused whole, naming the first line that is not UTF-8, rather than stored garbled."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            report = Report()
            line = data[: error.start].count(b"\n") + 1
            report.errors.append(
                (
                    line,
                    "The file is not UTF-8 text (from this line): save it from your spreadsheet "
                    "as “CSV UTF-8” and import it again. Nothing was imported.",
                )
            )
            return report
    else:
        text = data
    return import_rows(io.StringIO(text, newline=""), actor=actor)
