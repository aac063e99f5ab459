from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from openbuy.urls import urlpatterns as openbuy_urls


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


@require_POST
def signed_in(request):
    """The least a signed-in form post costs on this server (session, user, CSRF check) and
    nothing else: the ceiling for the support toggles, measured with the same requests."""
    if not request.user.is_authenticated:
        return HttpResponse("Sign in", status=403, content_type="text/plain")
    return HttpResponse("Signed in", content_type="text/plain")


urlpatterns = [
    path("bench/hello", hello),
    path("bench/signed-in", signed_in),
    *openbuy_urls,
]

handler400 = "openbuy.pages.views.bad_request"
handler403 = "openbuy.pages.views.permission_denied"
handler404 = "openbuy.pages.views.page_not_found"
handler500 = "openbuy.pages.views.server_error"
