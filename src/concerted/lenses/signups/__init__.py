"""Sign-up lens: how many of these registrations are real?

::

    from concerted.lenses.signups import load_registrations, score_signups, write_signups

    table = load_registrations("registrations.csv")
    result = score_signups(table, venue_postcode="74103")
    result.summary["genuine_estimate"], result.summary["genuine_low"], result.summary["genuine_high"]
    write_signups(result, "results/")

Modules: :mod:`.load` (reading, column mapping), :mod:`.normalize` (people, not rows),
:mod:`.signals` (reason codes and features), :mod:`.surge` (coordination in time),
:mod:`.model` (risk), :mod:`.estimate` (genuine people and turnout), :mod:`.lens`
(``score_signups``), :mod:`.outputs` and :mod:`.report`, :mod:`.simulate` (a log with a known
answer), :mod:`.service` (live scoring), :mod:`.cli`.
"""

from .lens import SignupResult, score_signups
from .load import load_registrations
from .outputs import write_signups
from .simulate import SignupParams, SignupWorld, simulate_signups, write_signups_world

__all__ = [
    "SignupParams",
    "SignupResult",
    "SignupWorld",
    "load_registrations",
    "score_signups",
    "simulate_signups",
    "write_signups",
    "write_signups_world",
]
