from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import include, path, reverse

from openbuy.api import api
from openbuy.pages import views as page_views


def admin_login(request, extra_context=None):
    """Everyone signs in through one door (allauth's, with its throttles), the admin included:
    the admin's own form is never shown, not even to someone signed in who is not staff (it
    would let them try passwords without the throttle)."""
    if not request.user.is_authenticated:
        wanted = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(wanted, reverse("account_login"))
    if request.user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied("The administration is for site admins.")


admin.site.login = admin_login
admin.site.site_header = admin.site.site_title = "openbuy administration"

urlpatterns = [
    path("", include("openbuy.pages.urls")),
    path("", include("openbuy.accounts.urls")),
    path("", include("openbuy.audit.urls")),
    path("", include("openbuy.discussion.urls")),
    path("", include("openbuy.needs.urls")),
    path("", include("openbuy.lessons.urls")),
    path("", include("openbuy.specifications.urls")),
    path("", include("openbuy.processes.urls")),
    path("", include("openbuy.evaluation.urls")),
    path("", include("openbuy.contracts.urls")),
    path("", include("openbuy.opendata.urls")),
    path("", include("openbuy.insights.urls")),
    path("account/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("healthz", page_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "openbuy.pages.views.bad_request"
handler403 = "openbuy.pages.views.permission_denied"
handler404 = "openbuy.pages.views.page_not_found"
handler500 = "openbuy.pages.views.server_error"
