import sys

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from openbuy.accounts.models import Organisation
from openbuy.audit.selectors import public_events
from openbuy.clock import now
from openbuy.needs.selectors import visible_ideas, visible_needs
from openbuy.pages.middleware import RETRY_AFTER_SECONDS, cannot_write


def open_processes() -> int:
    from openbuy.processes import lifecycle
    from openbuy.processes.models import Process

    return lifecycle.with_status(
        Process.objects.all(), [lifecycle.Status.QUESTIONS, lifecycle.Status.SUBMISSIONS], now()
    ).count()


def home(request):
    return render(
        request,
        "pages/home.html",
        {
            "buyer_count": Organisation.objects.filter(kind=Organisation.Kind.BUYER).count(),
            "supplier_count": Organisation.objects.filter(kind=Organisation.Kind.SUPPLIER).count(),
            "recent_events": public_events()[:5],
            "need_count": visible_needs().count(),
            "idea_count": visible_ideas().count(),
            "open_count": open_processes(),
        },
    )


@never_cache
def healthz(request):
    """For load balancers and monitors: 200 when the database (and the shared cache, when one is
    configured) answers, 503 when either does not."""
    checks = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        checks["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            cache.set("openbuy:healthz", "ok", 10)
            checks["cache"] = "ok" if cache.get("openbuy:healthz") == "ok" else "unavailable"
        except Exception:  # redis-py raises its own ConnectionError family
            checks["cache"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _error(request, status: int, title: str, template: str = "pages/error.html", **extra):
    return render(request, template, {"status": status, "title": title, **extra}, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _error(request, 400, "Sorry, there is a problem with that request")


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error(request, 403, "You do not have permission to see this page")


@requires_csrf_token
def page_not_found(request, exception=None):
    # An API address that matches no operation (a path parameter holding a line break, say)
    # answers in JSON, as the API's own 404s do.
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return _error(request, 404, "Page not found")


@requires_csrf_token
def server_error(request):
    # Rendered without the request context: whatever broke may be what the context needs.
    context = {"service_name": settings.SERVICE_NAME, "service_phase": settings.PHASE}
    failure = sys.exc_info()[1]
    if failure is not None and cannot_write(failure):
        # A write refused outside a view (a session saved by its middleware): the same 503
        # the view's own writes get, not a 500.
        html = loader.get_template("pages/503.html").render(context)
        return HttpResponse(html, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    html = loader.get_template("pages/500.html").render(context)
    return HttpResponseServerError(html)
