"""Who may do what in evaluation (django-rules predicates, checked through ``can``).

The buyer's officers run the panel. An evaluator sees only the submissions of the processes
they sit on, and only after declaring no conflict for each. Scores stay with the panel (its
evaluators and the buyer's officers) until the award is published.
"""

import rules

from openbuy.processes.rules import runs


@rules.predicate
def sits_on(user, process) -> bool:
    if process is None or not (user.is_authenticated and user.is_active):
        return False
    from openbuy.evaluation.models import Evaluator

    return Evaluator.objects.filter(process=process, user=user).exists()


rules.add_perm("evaluation.evaluate", sits_on)
rules.add_perm("evaluation.run", runs)
rules.add_perm("evaluation.see_scores", sits_on | runs)
