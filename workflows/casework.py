"""Actions a senior intervenor agrees on their case (issue 45, decision 0027).

The action system is the reviews app's; the case is the intervenors app's. Neither imports the
other, so the step that joins them (agree the action, tell its owner) lives here, above both,
where the case page reaches it.
"""
from django.db import transaction

from reviews.services import action_agree

from .deadlines import notify_action_agreed


@transaction.atomic
def case_action_agree(*, case, by, **kwargs):
    """Agree an action on the case (a decision, in reviews.services.action_agree) and tell its
    owner; the notice is kept with the action, in the same transaction."""
    action = action_agree(case=case, by=by, **kwargs)
    notify_action_agreed(action)
    return action
