"""Lenses: questions a person asks of one kind of log, built on the core.

* :mod:`concerted.lenses.signups` — how many of these registrations are real?
* :mod:`concerted.lenses.hashtags` — was a hashtag taken over?
* :mod:`concerted.lenses.reports` — were these user reports a brigade?

What lenses share: :mod:`.params` (parameters declared as data, checked by the library).
"""
