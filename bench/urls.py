from django.http import HttpResponse
from django.urls import path

from openbuy.urls import urlpatterns as openbuy_urls


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello", hello), *openbuy_urls]

handler400 = "openbuy.pages.views.bad_request"
handler403 = "openbuy.pages.views.permission_denied"
handler404 = "openbuy.pages.views.page_not_found"
handler500 = "openbuy.pages.views.server_error"
