from django.conf import settings


def service(request):
    """What every page's layout needs: the service name and the phase banner."""
    return {"service_name": settings.SERVICE_NAME, "service_phase": settings.PHASE}
