"""Follows and notifications: in the site, and by email as it happens or as a daily digest.

Other apps call :func:`notify` inside their own transaction; emails go out through the task
layer only after that transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from openbuy import clock
from openbuy.accounts.models import User
from openbuy.discussion import registry
from openbuy.discussion.models import Follow, Notification
from openbuy.tasks import send_email


def _followable(target: Model) -> None:
    if registry.for_object(target) is None and registry.followable(target) is None:
        raise ValidationError("This cannot be followed.")


def followable_target(label: str, object_id: int) -> Model | None:
    """The object behind ``app.model`` and an id, if it exists and can be followed."""
    if not registry.followable_label(label):
        return None
    app_label, _, model_name = label.partition(".")
    content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
    model = content_type.model_class() if content_type is not None else None
    if model is None:
        return None
    return model._default_manager.filter(pk=object_id).first()


def follow(*, actor: User, target: Model) -> bool:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to follow.")
    _followable(target)
    try:
        with transaction.atomic():
            Follow.objects.create(
                user=actor,
                content_type=ContentType.objects.get_for_model(target),
                object_id=target.pk,
            )
    except IntegrityError:
        return False
    return True


def unfollow(*, actor: User, target: Model) -> bool:
    if not actor.is_authenticated:
        raise PermissionDenied("Sign in to change what you follow.")
    deleted, _ = Follow.objects.filter(
        user=actor, content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).delete()
    return bool(deleted)


def is_following(user, target: Model) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(
        user=user, content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    ).exists()


def followers(target: Model) -> list[int]:
    return list(
        Follow.objects.filter(
            content_type=ContentType.objects.get_for_model(target), object_id=target.pk
        ).values_list("user_id", flat=True)
    )


def followers_of_any(targets: Iterable[Model]) -> set[int]:
    """Everyone who follows at least one of these objects (one query per kind of object)."""
    by_type: dict[int, list[int]] = {}
    for target in targets:
        content_type = ContentType.objects.get_for_model(target)
        by_type.setdefault(content_type.pk, []).append(target.pk)
    ids: set[int] = set()
    for content_type_id, object_ids in by_type.items():
        ids.update(
            Follow.objects.filter(
                content_type_id=content_type_id, object_id__in=object_ids
            ).values_list("user_id", flat=True)
        )
    return ids


def notify(*, user_ids: Iterable[int], message: str, url: str, exclude: int | None = None) -> int:
    """Tell these people something happened. One notification each, however they qualify."""
    ids = {pk for pk in user_ids if pk != exclude}
    if not ids:
        return 0
    now = clock.now()
    made = Notification.objects.bulk_create(
        [
            Notification(user_id=pk, message=message[:300], url=url[:300], created_at=now)
            for pk in ids
        ]
    )
    immediate = list(
        User.objects.filter(
            pk__in=ids, is_active=True, email_notifications=User.EmailFrequency.IMMEDIATE
        ).values_list("pk", "email")
    )
    if immediate:
        by_user = {n.user_id: n.pk for n in made}
        ids_to_mark = [by_user[pk] for pk, _ in immediate]
        emails = [email for _, email in immediate]
        transaction.on_commit(lambda: _email_now(emails, ids_to_mark, message, url))
    return len(made)


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


def _email_now(emails: list[str], notification_ids: list[int], message: str, url: str) -> None:
    for email in emails:
        send_email.enqueue(
            subject=f"{settings.SERVICE_NAME}: {message}"[:150],
            body=f"{message}\n\n{_absolute(url)}\n\nChange how often we email you: "
            f"{_absolute('/account/')}",
            to=[email],
        )
    Notification.objects.filter(pk__in=notification_ids).update(emailed_at=clock.now())


def send_digests() -> int:
    """Email everyone who asked for a daily digest what they have not been emailed yet."""
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            user__is_active=True,
            user__email_notifications=User.EmailFrequency.DAILY,
        )
        .select_related("user")
        .order_by("user_id", "created_at")
    )
    grouped: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        grouped[notification.user_id].append(notification)
    for notifications in grouped.values():
        user = notifications[0].user
        lines = "\n".join(f"- {n.message}\n  {_absolute(n.url)}" for n in notifications)
        send_email.enqueue(
            subject=f"{settings.SERVICE_NAME}: {len(notifications)} update"
            f"{'s' if len(notifications) != 1 else ''} for you",
            body=f"Since your last email:\n\n{lines}\n\nChange how often we email you: "
            f"{_absolute('/account/')}",
            to=[user.email],
        )
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            emailed_at=clock.now()
        )
    return len(grouped)


def mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=clock.now())
