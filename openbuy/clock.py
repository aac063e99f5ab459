"""The one clock openbuy asks for the time.

Deadlines and audit times come from :func:`now`, so tests move time with ``time-machine``
(``clock`` fixture in conftest.py) instead of sleeping, and the server decides at the moment of
each write.
"""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
