"""Rules of the incoming-document life cycle that intake needs.

The clerk may correct or cancel a registration only while it has not yet been
presented to a leader; afterwards the record belongs to the processing flow.
"""

from __future__ import annotations

REGISTERED = "registered"
CANCELLED = "cancelled"

# States in which the clerk's registration can still be corrected or cancelled.
CORRECTABLE_STATES = frozenset({REGISTERED})


# States in which a document still awaits handling, so its deadline can pass (quá hạn).
OPEN_STATES = frozenset({REGISTERED})


def can_correct(state: str) -> bool:
    return state in CORRECTABLE_STATES
