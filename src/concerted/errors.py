"""Errors a person can act on.

The library raises these and never prints or exits; the CLI turns them into one clean message
and exit code 1. Every message says what is wrong, what was found, and how to fix it.
"""

from __future__ import annotations


class ConcertedError(Exception):
    """Base class of every error caused by the user's input or options."""


class SchemaError(ConcertedError):
    """An input file or table does not have the columns or values concerted needs."""


class ParameterError(ConcertedError):
    """A parameter has a value outside its allowed range."""


class EngineUnavailable(ConcertedError):
    """The requested engine (for example Spark) is not installed or cannot start."""


class OutputError(ConcertedError):
    """An output could not be written (existing file in the way, no permission, ...)."""


class MissingExtra(ConcertedError, ImportError):
    """A part of concerted needs a package its extra installs (``pip install 'concerted[web]'``)."""
