import pytest

from openbuy.evaluation.tests.conftest import (  # noqa: F401 - fixtures
    adopted_need,
    declared,
    draft_tender,
    evaluators,
    frozen_spec,
    opened,
    quality,
    rhys_sub,
    rival,
    sam_sub,
    social,
    spec,
    submit,
    tender,
)


@pytest.fixture
def award(personas, opened, declared, sam_sub, rhys_sub, quality, social):  # noqa: F811
    """The tender awarded to Patel Mobility Co-operative after full, agreed scoring."""
    from openbuy.evaluation import services

    for who in ("frontline", "evaluator"):
        for submission, value in ((sam_sub, "8"), (rhys_sub, "6")):
            for criterion in (quality, social):
                services.score_set(
                    actor=personas[who],
                    submission=submission,
                    criterion=criterion,
                    score=value,
                    justification="Reasons.",
                )
    return services.award(
        actor=personas["buyer"], process=opened, submission=sam_sub, rationale="Best quality."
    )
