"""Signals later stages listen to, so that specifications never import them.

``amended`` is sent inside the transaction that cuts an amendment to a published specification,
with ``actor``, ``specification`` and ``version``. A receiver that raises a ValidationError
refuses the amendment (a process whose deadline has passed does this).
"""

from django.dispatch import Signal

amended = Signal()
