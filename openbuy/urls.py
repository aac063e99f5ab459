from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from openbuy.api import api
from openbuy.pages import views as page_views

# Everyone signs in through one door (allauth's, with its throttles), the admin included.
admin.site.login = login_required(admin.site.login)
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
