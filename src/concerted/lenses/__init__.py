"""Lenses: questions a person asks of one kind of log, built on the core.

* :mod:`concerted.lenses.signups` — how many of these registrations are real?
"""
