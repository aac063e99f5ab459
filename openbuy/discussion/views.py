from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from openbuy import clock
from openbuy.discussion import moderation, notifications, registry, selectors, services
from openbuy.discussion.forms import CommentForm, DecisionForm, ReportForm
from openbuy.discussion.models import Comment, Notification
from openbuy.ui.forms import apply_errors


def _target(label: str, object_id: int):
    kind = registry.get(label)
    if kind is None:
        raise Http404
    target = kind.model._default_manager.filter(pk=object_id).first()
    if target is None:
        raise Http404
    return kind, target


@login_required
@require_POST
def comment_post(request, label: str, object_id: int):
    kind, target = _target(label, object_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"]).first()
        try:
            comment = services.comment_post(
                actor=request.user,
                target=target,
                body=form.cleaned_data["body"],
                stance=form.cleaned_data.get("stance") or "",
                parent=parent,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your comment has been published.")
            return redirect(selectors.comment_url(comment, kind.url(target)))
    # Show the errors on a page of their own, with everything typed kept.
    return render(
        request,
        "discussion/comment_form.html",
        {
            "form": form,
            "target": target,
            "target_url": kind.url(target),
            "action": request.path,
            "title": "Add a comment",
        },
        status=400,
    )


@login_required
def comment_edit(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("content_type"), pk=pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied
    kind, target = _target(
        f"{comment.content_type.app_label}.{comment.content_type.model}", comment.object_id
    )
    form = CommentForm(
        request.POST or None, initial={"body": comment.body, "stance": comment.stance}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(
                actor=request.user,
                comment=comment,
                body=form.cleaned_data["body"],
                stance=form.cleaned_data.get("stance") or "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your comment has been corrected.")
            return redirect(selectors.comment_url(comment, kind.url(target)))
    return render(
        request,
        "discussion/comment_form.html",
        {
            "form": form,
            "target": target,
            "target_url": kind.url(target),
            "action": request.path,
            "title": "Correct your comment",
            "window_ends": comment.created_at + services.EDIT_WINDOW,
            "now": clock.now(),
        },
        status=400 if form.errors else 200,
    )


def comment_history(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("author", "content_type"), pk=pk)
    kind, target = _target(
        f"{comment.content_type.app_label}.{comment.content_type.model}", comment.object_id
    )
    if moderation.withheld(request.user, target) or moderation.withheld(request.user, comment):
        raise Http404
    return render(
        request,
        "discussion/comment_history.html",
        {
            "comment": comment,
            "revisions": comment.revisions.all(),
            "target": target,
            "target_url": kind.url(target),
        },
    )


def content_label(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return f"{content_type.app_label}.{content_type.model}"


# --- moderation -----------------------------------------------------------------------------


def _moderatable(label: str, object_id: int):
    kind = registry.moderatable(label)
    if kind is None:
        raise Http404
    target = kind.model._default_manager.filter(pk=object_id).first()
    if target is None:
        raise Http404
    return kind, target


@login_required
def report(request, label: str, object_id: int):
    kind, target = _moderatable(label, object_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.report(actor=request.user, target=target, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, "Thank you. A moderator will look at it. Your name is not shown."
            )
            return redirect(kind.url(target))
    return render(
        request,
        "discussion/report_form.html",
        {
            "form": form,
            "target": target,
            "description": kind.describe(target),
            "target_url": kind.url(target),
        },
        status=400 if form.errors else 200,
    )


def _require_moderator(request) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not request.user.is_moderator:
        raise PermissionDenied


@login_required
def moderation_queue(request):
    _require_moderator(request)
    return render(
        request,
        "discussion/moderation_queue.html",
        {"items": selectors.moderation_queue(), "decision_form": DecisionForm()},
    )


@login_required
@require_POST
def moderation_decide(request, label: str, object_id: int):
    _require_moderator(request)
    kind, target = _moderatable(label, object_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            moderation.decide(
                actor=request.user,
                target=target,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Your decision has been recorded.")
            if form.cleaned_data.get("block_author"):
                author = getattr(target, kind.author_field)
                try:
                    moderation.block(
                        actor=request.user, user=author, reason=form.cleaned_data["reason"]
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose restore or hide, and give the reason.")
    return redirect("discussion:moderation")


# --- follows and notifications --------------------------------------------------------------


def _followable_target(label: str, object_id: int):
    target = notifications.followable_target(label, object_id)
    if target is None:
        raise Http404
    return target


@login_required
@require_POST
def follow_toggle(request, label: str, object_id: int):
    target = _followable_target(label, object_id)
    if request.POST.get("action") == "unfollow":
        notifications.unfollow(actor=request.user, target=target)
        messages.success(request, f"You no longer follow “{target}”.")
    else:
        notifications.follow(actor=request.user, target=target)
        messages.success(request, f"You follow “{target}”. We will tell you what happens.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)


@login_required
def notification_list(request):
    if request.method == "POST":
        notifications.mark_all_read(actor=request.user)
        messages.success(request, "All your notifications are marked as read.")
        return redirect("discussion:notifications")
    page = Paginator(
        Notification.objects.filter(user=request.user).order_by("-created_at", "-id"), 50
    ).get_page(request.GET.get("page"))
    return render(request, "discussion/notifications.html", {"page": page})
