"""Stage gates: only the suppliers a staged competition's stage gate lets continue may be taken
forward to the next phase, and the next phase starts only once that gate is decided.

Evaluation decides the gate and plugs its check in here with :func:`register` from its
``AppConfig.ready``, so processes never import evaluation (the same pattern as the lessons gate
in ``specifications.gate``). Without a check — processes on their own — the buyer's invitation
alone decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# check(phase, organisations) raises ValidationError when the phase's gate does not let those
# organisations (or, with none given, anybody yet) go forward.
Check = Callable[[object, Sequence[object]], None]

_check: Check | None = None


def register(check: Check | None) -> None:
    global _check
    _check = check


def forward(phase, organisations: Sequence[object] = ()) -> None:
    """Refuse (ValidationError) to take ``organisations`` forward from ``phase``, or to start the
    next phase when none are given, unless the phase's stage gate allows it."""
    if _check is not None:
        _check(phase, organisations)
