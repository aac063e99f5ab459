from django.core.paginator import Paginator
from django.shortcuts import render

from openbuy.audit.selectors import public_events


def activity(request):
    page = Paginator(public_events(), 50).get_page(request.GET.get("page"))
    return render(request, "audit/activity.html", {"page": page, "events": page.object_list})
