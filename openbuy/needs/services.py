"""Every write to needs: raise, support, unsupport, answer. Pages and API call these."""

from __future__ import annotations

import math
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse

from openbuy import clock
from openbuy.accounts.models import Membership, Organisation, User
from openbuy.accounts.rules import can
from openbuy.audit import services as audit
from openbuy.discussion import moderation, notifications
from openbuy.discussion.models import Follow, Visibility
from openbuy.needs.models import (
    Area,
    Attachment,
    Idea,
    IdeaSupport,
    Need,
    NeedAnswer,
    NeedsPolicy,
    Support,
)

# A need has to gather ten times the supports to outrank one raised this much later.
HOT_DECAY_SECONDS = 7 * 24 * 3600
DEFAULT_POLICY = NeedsPolicy(support_threshold=25, answer_within_days=30)

ALLOWED_MOVES = {
    Need.Status.OPEN: {
        Need.Status.CONSIDERING,
        Need.Status.ADOPTED,
        Need.Status.DECLINED,
        Need.Status.DUPLICATE,
        Need.Status.SOLVED,
    },
    Need.Status.CONSIDERING: {
        Need.Status.OPEN,
        Need.Status.ADOPTED,
        Need.Status.DECLINED,
        Need.Status.DUPLICATE,
        Need.Status.SOLVED,
    },
    # A closed need can be taken back under consideration, with a reason like any answer.
    Need.Status.ADOPTED: {Need.Status.CONSIDERING},
    Need.Status.DECLINED: {Need.Status.CONSIDERING},
    Need.Status.DUPLICATE: {Need.Status.CONSIDERING},
    Need.Status.SOLVED: {Need.Status.CONSIDERING},
}

LIMITS = {"title": 150, "affects": 300, "place": 200, "description": 10_000, "evidence": 5_000}


def _content_type(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _require(user, perm: str, obj=None) -> None:
    if not can(user, perm, obj):
        raise PermissionDenied("You do not have permission to do that.")


def hot_score(support_count: int, created_at) -> float:
    return math.log10(max(support_count, 1)) + created_at.timestamp() / HOT_DECAY_SECONDS


def policy_for(organisation_id: int | None) -> NeedsPolicy:
    if organisation_id is None:
        return DEFAULT_POLICY
    return NeedsPolicy.objects.filter(organisation_id=organisation_id).first() or DEFAULT_POLICY


def _policy_of(need: Need) -> NeedsPolicy:
    """The policy of the need's buyer, read with the need (``select_related`` below)."""
    if need.organisation is None:
        return DEFAULT_POLICY
    try:
        return need.organisation.needs_policy
    except NeedsPolicy.DoesNotExist:
        return DEFAULT_POLICY


def _frontline_memberships(user: User, organisation_id):
    """``user``'s frontline memberships of the organisation (an id, or ``OuterRef``)."""
    return Membership.objects.filter(
        user=user, organisation_id=organisation_id, role=Membership.Role.FRONTLINE
    )


def _frontline(user: User) -> Exists:
    """Annotates a need: is ``user`` on the frontline staff of the need's buyer?"""
    return Exists(_frontline_memberships(user, OuterRef("organisation_id")))


def is_frontline_of(user: User, organisation_id: int | None) -> bool:
    if organisation_id is None:
        return False
    return _frontline_memberships(user, organisation_id).exists()


def _evidence_lines(evidence: str) -> str:
    lines = [line.strip() for line in (evidence or "").splitlines() if line.strip()]
    validate = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(lines, start=1):
        try:
            validate(line)
        except ValidationError:
            raise ValidationError(
                {
                    "evidence": f"Line {number} is not a web address starting with https://: "
                    f"{line[:80]}"
                }
            ) from None
    return "\n".join(lines)


def need_raise(
    *,
    actor: User,
    title: str,
    description: str,
    affects: str,
    area: Area | int | str,
    organisation: Organisation | int | str | None = None,
    place: str = "",
    evidence: str = "",
) -> Need:
    _require(actor, "needs.raise_need")
    moderation.ensure_can_post(actor)
    values = {
        "title": (title or "").strip(),
        "description": (description or "").strip(),
        "affects": (affects or "").strip(),
        "place": (place or "").strip(),
    }
    errors: dict[str, str] = {}
    required = {
        "title": "Enter a short title for the need",
        "description": "Describe the problem",
        "affects": "Say who the problem affects",
    }
    for field, message in required.items():
        if not values[field]:
            errors[field] = message
    for field, limit in LIMITS.items():
        if field in values and len(values[field]) > limit:
            errors[field] = f"Must be {limit} characters or fewer (it is {len(values[field])})"
    area_obj = _area(area)
    if area_obj is None:
        errors["area"] = "Select the area the need is about"
    org = _buyer(organisation) if organisation not in (None, "") else None
    if organisation not in (None, "") and org is None:
        errors["organisation"] = "Select a buying organisation from the list"
    try:
        evidence_text = _evidence_lines(evidence)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
        evidence_text = ""
    if len(evidence or "") > LIMITS["evidence"]:
        errors["evidence"] = f"Must be {LIMITS['evidence']} characters or fewer"
    if errors or area_obj is None:
        raise ValidationError(errors)
    recent = Need.objects.filter(author=actor, created_at__gte=moderation.since("need"))
    moderation.check_rate(actor, "need", recent.count())
    now = clock.now()
    with transaction.atomic():
        need = Need.objects.create(
            **values,
            area=area_obj,
            organisation=org,
            evidence=evidence_text,
            author=actor,
            author_is_frontline=is_frontline_of(actor, org.pk if org else None),
            created_at=now,
            hot_score=hot_score(0, now),
            visibility=_first_visibility(
                actor, values["title"], values["description"], evidence_text
            ),
        )
        if need.visibility == Visibility.VISIBLE:
            Follow.objects.create(user=actor, content_type=_content_type(Need), object_id=need.pk)
            if org is not None:
                notifications.notify(
                    user_ids=notifications.followers(org),
                    message=f"New need for {org.name}: {need.title}",
                    url=reverse("needs:detail", args=[need.pk]),
                    exclude=actor.pk,
                )
        audit.record(
            actor=actor,
            action="need.raised",
            obj=need,
            organisation_id=org.pk if org else None,
            summary=f"{actor} raised the need “{need.title}”",
            after={
                "title": need.title,
                "area": area_obj.code,
                "organisation": org.slug if org else None,
            },
        )
    return need


def _first_visibility(author: User, *texts: str) -> str:
    """New posts that look like spam wait for a moderator; everything else is published."""
    suspicious = moderation.looks_like_spam(author, "\n".join(texts))
    return Visibility.HELD if suspicious else Visibility.VISIBLE


def _area(value) -> Area | None:
    if isinstance(value, Area):
        return value if value.is_active else None
    if value in (None, ""):
        return None
    lookup = {"pk": value} if str(value).isdigit() else {"slug": value}
    return Area.objects.filter(is_active=True, **lookup).first()


def _buyer(value) -> Organisation | None:
    if isinstance(value, Organisation):
        return value if value.is_buyer else None
    lookup = {"pk": value} if str(value).isdigit() else {"slug": value}
    return Organisation.objects.filter(kind=Organisation.Kind.BUYER, **lookup).first()


def _add_support(target, support_model, actor: User, frontline: bool) -> bool:
    """Add one support to a locked need or idea and keep its counts exact. False if present."""
    field = type(target).__name__.lower()
    try:
        with transaction.atomic():
            support_model.objects.create(**{field: target}, user=actor, is_frontline=frontline)
    except IntegrityError:
        return False
    target.support_count += 1
    target.frontline_support_count += int(frontline)
    type(target).objects.filter(pk=target.pk).update(
        support_count=F("support_count") + 1,
        frontline_support_count=F("frontline_support_count") + int(frontline),
        hot_score=hot_score(target.support_count, target.created_at),
    )
    return True


def _remove_support(target, support_model, actor: User) -> bool:
    field = type(target).__name__.lower()
    support = support_model.objects.filter(**{field: target}, user=actor).first()
    if support is None:
        return False
    support.delete()
    target.support_count -= 1
    target.frontline_support_count -= int(support.is_frontline)
    type(target).objects.filter(pk=target.pk).update(
        support_count=F("support_count") - 1,
        frontline_support_count=F("frontline_support_count") - int(support.is_frontline),
        hot_score=hot_score(target.support_count, target.created_at),
    )
    return True


def need_support(*, actor: User, need: Need) -> bool:
    """Support a need. Returns False when the person already supports it (nothing changes)."""
    _require(actor, "needs.support_need", need)
    moderation.ensure_can_post(actor)
    with transaction.atomic():
        # One query, locking only the need's row, brings what the checks read: its author (is
        # it withheld?), its buyer's policy and whether the supporter is on that buyer's
        # frontline (a toggle is a busy write: each query saved is a round trip saved).
        current = (
            Need.objects.select_for_update(of=("self",))
            .select_related("author", "organisation__needs_policy")
            .annotate(by_frontline=_frontline(actor))
            .get(pk=need.pk)
        )
        moderation.ensure_reachable(actor, current)
        if not current.is_open:
            raise ValidationError("This need has been answered and no longer takes supports.")
        policy = _policy_of(current)
        _check_budget(actor, current, policy)
        if not _add_support(current, Support, actor, current.by_frontline):
            return False
        _check_threshold(current, policy)
        audit.record(
            actor=actor,
            action="need.supported",
            obj=current,
            organisation_id=current.organisation_id,
            summary=f"{actor} supported “{current.title}”",
            public=False,
        )
    return True


def needs_policy_update(
    *,
    actor: User,
    organisation: Organisation,
    support_threshold: int,
    answer_within_days: int,
    vote_budget: int | None,
) -> NeedsPolicy:
    """Set how many supports oblige an answer, how fast, and how many supports each person has."""
    _require(actor, "needs.change_policy", organisation)
    errors = {}
    if not organisation.is_buyer:
        errors["organisation"] = "Only buying organisations answer needs"
    if not isinstance(support_threshold, int) or not 1 <= support_threshold <= 1_000_000:
        errors["support_threshold"] = "Enter a whole number of supports, 1 or more"
    if not isinstance(answer_within_days, int) or not 1 <= answer_within_days <= 365:
        errors["answer_within_days"] = "Enter a number of days from 1 to 365"
    if vote_budget is not None and (not isinstance(vote_budget, int) or vote_budget < 1):
        errors["vote_budget"] = "Enter a whole number, 1 or more, or leave it empty for no limit"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy, _ = NeedsPolicy.objects.select_for_update().get_or_create(organisation=organisation)
        before = {
            "support_threshold": policy.support_threshold,
            "answer_within_days": policy.answer_within_days,
            "vote_budget": policy.vote_budget,
        }
        after = {
            "support_threshold": support_threshold,
            "answer_within_days": answer_within_days,
            "vote_budget": vote_budget,
        }
        if before == after:
            return policy
        for field, value in after.items():
            setattr(policy, field, value)
        policy.save(update_fields=list(after))
        audit.record(
            actor=actor,
            action="needs_policy.updated",
            obj=policy,
            organisation_id=organisation.pk,
            summary=f"{organisation.name} now answers needs with {support_threshold} supports "
            f"within {answer_within_days} days",
            before=before,
            after=after,
        )
    return policy


def _check_budget(actor: User, need: Need, policy: NeedsPolicy) -> None:
    if need.organisation_id is None:
        return
    budget = policy.vote_budget
    if budget is None:
        return
    active = (
        Support.objects.filter(
            user=actor,
            need__organisation_id=need.organisation_id,
            need__status__in=Need.OPEN_STATUSES,
        )
        .exclude(need=need)
        .count()
    )
    if active >= budget:
        raise ValidationError(
            f"You already support {active} open needs addressed to this organisation, which is "
            f"as many as it allows at once. Withdraw a support, or wait for one of those needs "
            f"to be answered."
        )


def need_move_support(*, actor: User, need: Need) -> Need:
    """Move one's support from a duplicate to its original, in one step, only when asked."""
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to change your support.")
    current = Need.objects.select_related("duplicate_of").get(pk=need.pk)
    if current.status != Need.Status.DUPLICATE or current.duplicate_of is None:
        raise ValidationError("This need is not a duplicate, so there is nowhere to move to.")
    original = current.duplicate_of
    with transaction.atomic():
        if not Support.objects.filter(need=current, user=actor).exists():
            raise ValidationError("You do not support this need.")
        need_unsupport(actor=actor, need=current)
        need_support(actor=actor, need=original)
    return original


def need_unsupport(*, actor: User, need: Need) -> bool:
    """Withdraw a support. Returns False when there was none."""
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to change your support.")
    with transaction.atomic():
        current = Need.objects.select_for_update().get(pk=need.pk)
        if not _remove_support(current, Support, actor):
            return False
        audit.record(
            actor=actor,
            action="need.unsupported",
            obj=current,
            organisation_id=current.organisation_id,
            summary=f"{actor} withdrew their support for “{current.title}”",
            public=False,
        )
    return True


def _check_threshold(need: Need, policy: NeedsPolicy) -> None:
    if need.threshold_reached_at is not None or need.answered_at is not None:
        return
    if need.support_count < policy.support_threshold:
        return
    now = clock.now()
    due = now + timedelta(days=policy.answer_within_days)
    Need.objects.filter(pk=need.pk).update(threshold_reached_at=now, answer_due_at=due)
    audit.record(
        actor=None,
        action="need.threshold_reached",
        obj=need,
        organisation_id=need.organisation_id,
        summary=f"“{need.title}” reached {policy.support_threshold} supports: "
        f"a public answer is due by {due:%d %B %Y}",
    )


def need_answer(
    *,
    actor: User,
    need: Need,
    status: str,
    reason: str,
    link_url: str = "",
    duplicate_of: Need | int | None = None,
    organisation: Organisation | None = None,
) -> NeedAnswer:
    """The buyer's public answer: a status change with its reason, kept for ever."""
    _require(actor, "needs.answer_need", need)
    reason = (reason or "").strip()
    link_url = (link_url or "").strip()
    errors: dict[str, str] = {}
    if status not in Need.Status.values:
        errors["status"] = "Select an answer"
    if not reason:
        errors["reason"] = "Explain the answer: everyone who supports the need will read it"
    elif len(reason) > 10_000:
        errors["reason"] = "Must be 10,000 characters or fewer"
    if link_url:
        try:
            URLValidator(schemes=["http", "https"])(link_url)
        except ValidationError:
            errors["link_url"] = "Enter a web address starting with https://"
    if status == Need.Status.SOLVED and not link_url:
        errors["link_url"] = "Link to where the problem is already solved"
    original = None
    if status == Need.Status.DUPLICATE:
        original = _original(duplicate_of, need)
        if original is None:
            errors["duplicate_of"] = "Enter the number of the need this one duplicates"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Need.objects.select_for_update().get(pk=need.pk)
        if status not in ALLOWED_MOVES[Need.Status(current.status)]:
            raise ValidationError(
                {
                    "status": f"A need that is {current.get_status_display().lower()} cannot be "
                    f"marked {Need.Status(status).label.lower()}"
                }
            )
        org = _answering_organisation(actor, current.organisation, organisation)
        now = clock.now()
        answer = NeedAnswer.objects.create(
            need=current,
            author=actor,
            organisation=org,
            from_status=current.status,
            to_status=status,
            reason=reason,
            link_url=link_url,
            duplicate_of=original,
            created_at=now,
        )
        before = current.status
        current.status = status
        current.organisation = org
        current.duplicate_of = original
        current.outcome_url = link_url
        fields = ["status", "organisation", "duplicate_of", "outcome_url"]
        if current.answered_at is None:
            current.answered_at = now
            fields.append("answered_at")
        current.save(update_fields=fields)
        url = reverse("needs:detail", args=[current.pk])
        message = f"{org.name} marked “{current.title}” {Need.Status(status).label.lower()}"
        if status == Need.Status.DUPLICATE:
            message += ": you can move your support to the original in one click"
        notifications.notify(
            user_ids={
                *notifications.followers(current),
                *Support.objects.filter(need=current).values_list("user_id", flat=True),
                current.author_id,
            },
            message=message,
            url=url,
            exclude=actor.pk,
        )
        audit.record(
            actor=actor,
            action="need.answered",
            obj=current,
            organisation_id=org.pk,
            summary=f"{org.name} marked “{current.title}” {Need.Status(status).label.lower()}",
            before={"status": before},
            after={
                "status": status,
                "reason": reason[:500],
                "duplicate_of": original.pk if original else None,
            },
        )
    return answer


def _original(duplicate_of, need: Need) -> Need | None:
    if duplicate_of in (None, ""):
        return None
    pk = duplicate_of.pk if isinstance(duplicate_of, Need) else duplicate_of
    try:
        target = Need.objects.filter(pk=int(str(pk).lstrip("#"))).first()  # as stored now
    except ValueError:
        return None
    # Point at the original, never at another duplicate, and never at itself.
    seen = {need.pk}
    while target is not None and target.status == Need.Status.DUPLICATE:
        if target.pk in seen:
            return None
        seen.add(target.pk)
        target = target.duplicate_of
    if target is None or target.pk == need.pk:
        return None
    return target


def _answering_organisation(
    actor, addressed: Organisation | None, chosen: Organisation | None
) -> Organisation:
    """Who answers: the addressed buyer, or for something addressed to nobody, the actor's own
    buyer organisation (they choose when they belong to several)."""
    if addressed is not None:
        return addressed
    buyer_orgs = list(
        Organisation.objects.filter(
            kind=Organisation.Kind.BUYER,
            memberships__user=actor,
            memberships__role__in=[Membership.Role.BUYER, Membership.Role.ADMIN],
        )
    )
    if chosen is not None:
        if chosen not in buyer_orgs:
            raise PermissionDenied("You can only answer for your own organisation.")
        return chosen
    if len(buyer_orgs) == 1:
        return buyer_orgs[0]
    raise ValidationError({"organisation": "Select the organisation you are answering for"})


# --- ideas ----------------------------------------------------------------------------------


def idea_propose(
    *,
    actor: User,
    title: str,
    description: str,
    need: Need | int | None = None,
    cost_band: str = Idea.CostBand.UNKNOWN,
    on_behalf_of: Organisation | int | str | None = None,
) -> Idea:
    """Propose an idea, for a need or for a problem nobody has raised yet."""
    _require(actor, "needs.propose_idea")
    moderation.ensure_can_post(actor)
    title = (title or "").strip()
    description = (description or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Enter a short title for the idea"
    elif len(title) > 150:
        errors["title"] = f"Must be 150 characters or fewer (it is {len(title)})"
    if not description:
        errors["description"] = "Describe the idea"
    elif len(description) > 10_000:
        errors["description"] = "Must be 10,000 characters or fewer"
    if cost_band not in Idea.CostBand.values:
        errors["cost_band"] = "Select the expected cost"
    need_obj = None
    if need not in (None, ""):
        need_pk = str(need.pk if isinstance(need, Need) else need)
        need_obj = Need.objects.filter(pk=need_pk).first() if need_pk.isdigit() else None
        if need_obj is None or moderation.withheld(actor, need_obj):
            errors["need"] = "That need does not exist"
        elif not need_obj.is_open:
            errors["need"] = "That need has been answered; propose the idea on its own instead"
    org = None
    if on_behalf_of not in (None, ""):
        key = str(on_behalf_of.pk if isinstance(on_behalf_of, Organisation) else on_behalf_of)
        lookup = {"pk": key} if key.isdigit() else {"slug": key}
        org = Organisation.objects.filter(
            kind=Organisation.Kind.SUPPLIER, memberships__user=actor, **lookup
        ).first()
        if org is None:
            errors["on_behalf_of"] = "You can only speak for a supplier you are a member of"
    if errors:
        raise ValidationError(errors)
    recent = Idea.objects.filter(proposer=actor, created_at__gte=moderation.since("idea"))
    moderation.check_rate(actor, "idea", recent.count())
    now = clock.now()
    with transaction.atomic():
        idea = Idea.objects.create(
            title=title,
            description=description,
            need=need_obj,
            cost_band=cost_band,
            proposer=actor,
            on_behalf_of=org,
            created_at=now,
            hot_score=hot_score(0, now),
            visibility=_first_visibility(actor, title, description),
        )
        Follow.objects.create(user=actor, content_type=_content_type(Idea), object_id=idea.pk)
        if need_obj is not None and idea.visibility == Visibility.VISIBLE:
            notifications.notify(
                user_ids=notifications.followers(need_obj),
                message=f"A new idea for “{need_obj.title}”: {idea.title}",
                url=reverse("needs:idea-detail", args=[idea.pk]),
                exclude=actor.pk,
            )
        audit.record(
            actor=actor,
            action="idea.proposed",
            obj=idea,
            organisation_id=need_obj.organisation_id if need_obj else None,
            summary=f"{actor} proposed the idea “{idea.title}”"
            + (f" for “{need_obj.title}”" if need_obj else ""),
            after={
                "title": title,
                "need": need_obj.pk if need_obj else None,
                "on_behalf_of": org.slug if org else None,
            },
        )
    return idea


def idea_organisation_id(idea: Idea) -> int | None:
    return idea.need.organisation_id if idea.need_id and idea.need else None


def idea_support(*, actor: User, idea: Idea) -> bool:
    _require(actor, "needs.support_need", idea)
    moderation.ensure_can_post(actor)
    with transaction.atomic():
        current = (
            Idea.objects.select_for_update(of=("self",)).select_related("need").get(pk=idea.pk)
        )
        moderation.ensure_reachable(actor, current)
        if not current.is_open:
            raise ValidationError("This idea no longer takes supports.")
        frontline = is_frontline_of(actor, idea_organisation_id(current))
        if not _add_support(current, IdeaSupport, actor, frontline):
            return False
        audit.record(
            actor=actor,
            action="idea.supported",
            obj=current,
            summary=f"{actor} supported the idea “{current.title}”",
            public=False,
        )
    return True


def idea_unsupport(*, actor: User, idea: Idea) -> bool:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to change your support.")
    with transaction.atomic():
        current = Idea.objects.select_for_update().get(pk=idea.pk)
        if not _remove_support(current, IdeaSupport, actor):
            return False
        audit.record(
            actor=actor,
            action="idea.unsupported",
            obj=current,
            summary=f"{actor} withdrew their support for the idea “{current.title}”",
            public=False,
        )
    return True


def idea_adopt(
    *, actor: User, idea: Idea, reason: str, organisation: Organisation | None = None
) -> Idea:
    """A buyer adopts an idea: it will seed a specification. The reason is public."""
    _require(actor, "needs.adopt_idea", idea)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what you will do with the idea"})
    with transaction.atomic():
        current = (
            Idea.objects.select_for_update(of=("self",)).select_related("need").get(pk=idea.pk)
        )
        if not current.is_open:
            raise ValidationError(
                {"reason": f"This idea is {current.get_status_display().lower()} already"}
            )
        addressed = current.need.organisation if current.need is not None else None
        org = _answering_organisation(actor, addressed, organisation)
        current.status = Idea.Status.ADOPTED
        current.adopted_by = org
        current.adopted_at = clock.now()
        current.status_reason = reason
        current.save(update_fields=["status", "adopted_by", "adopted_at", "status_reason"])
        notifications.notify(
            user_ids={
                *notifications.followers(current),
                *IdeaSupport.objects.filter(idea=current).values_list("user_id", flat=True),
                current.proposer_id,
            },
            message=f"{org.name} adopted the idea “{current.title}”",
            url=reverse("needs:idea-detail", args=[current.pk]),
            exclude=actor.pk,
        )
        audit.record(
            actor=actor,
            action="idea.adopted",
            obj=current,
            organisation_id=org.pk,
            summary=f"{org.name} adopted the idea “{current.title}”",
            after={"reason": reason[:500]},
        )
    return current


def idea_withdraw(*, actor: User, idea: Idea, reason: str = "") -> Idea:
    if not actor.is_authenticated or idea.proposer_id != actor.pk:
        raise PermissionDenied("Only the person who proposed an idea can withdraw it.")
    with transaction.atomic():
        current = Idea.objects.select_for_update().get(pk=idea.pk)
        if not current.is_open:
            raise ValidationError(f"This idea is {current.get_status_display().lower()} already.")
        current.status = Idea.Status.WITHDRAWN
        current.status_reason = (reason or "").strip()[:2000]
        current.save(update_fields=["status", "status_reason"])
        audit.record(
            actor=actor,
            action="idea.withdrawn",
            obj=current,
            summary=f"{actor} withdrew the idea “{current.title}”",
        )
    return current


# --- evidence files ---------------------------------------------------------------------------

# What may be attached, recognised by the file's first bytes, not by its name.
ATTACHMENT_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "text/csv": (),
    "text/plain": (),
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_NEED = 5


def sniff(head: bytes, name: str) -> str | None:
    """The content type of a file from its first bytes (and, for text, its name), or None."""
    for content_type, signatures in ATTACHMENT_TYPES.items():
        if signatures and any(head.startswith(sig) for sig in signatures):
            return content_type
    # Text has no signature: accept .csv and .txt that decode as UTF-8 with no NUL bytes.
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix in {"csv", "txt"} and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a character cut at the end of the sample is fine
                return None
        return "text/csv" if suffix == "csv" else "text/plain"
    return None


def attachment_add(*, actor: User, need: Need, upload) -> Attachment:
    """Attach a file of evidence to a need: its author only, up to five files of 10 MB."""
    if not actor.is_authenticated or actor.pk != need.author_id:
        raise PermissionDenied("Only the person who raised the need can add files to it.")
    moderation.ensure_can_post(actor)
    if upload is None:
        raise ValidationError({"file": "Choose a file"})
    name = (getattr(upload, "name", "") or "file")[-200:]
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": "The file must be smaller than 10 MB"})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty"})
    head = upload.read(2048)
    upload.seek(0)
    content_type = sniff(head, name)
    if content_type is None:
        raise ValidationError({"file": "The file must be a PDF, PNG, JPEG, CSV or text file"})
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.attachments.count() >= ATTACHMENTS_PER_NEED:
            raise ValidationError({"file": "A need can have at most 5 files"})
        attachment = Attachment(
            need=locked,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
            created_at=clock.now(),
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        audit.record(
            actor=actor,
            action="need.file_added",
            obj=locked,
            organisation_id=locked.organisation_id,
            summary=f"{actor} added the file “{name}” to “{locked.title}”",
            after={"name": name, "type": content_type, "bytes": upload.size},
        )
    return attachment
