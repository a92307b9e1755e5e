"""How sure a finding is, on a scale a person reads: a bounded number and words, and p-values as
far as they can be told apart.

A group's ``score`` sums its links' strengths (-log10 p), so it grows with the group: 32,661.5 for
80 accounts says little by itself. Per member it reads as orders of magnitude: a mean of 6 means
each member's ties are, on average, a million times less likely by chance than what an organic
crowd does. :func:`describe_strength` bounds that at :data:`SCALE_TOP` and puts it in words. A
classic run (no test against a null model) has no chance to compare with, and says so.

Example
-------
>>> describe_strength(32661.5, 80, tested=True)
(10.0, 'very strong')
>>> describe_strength(6.0, 3, tested=True)
(2.0, 'moderate')
>>> describe_strength(12.0, 3, tested=False)
(None, 'untested')
>>> format_p_value(4e-15), format_p_value(0.0123), format_p_value(None)
('< 1e-14', '1.2e-02', '')
"""

from __future__ import annotations

import math

SCALE_TOP = 10.0  # the top of the scale: 1 in 10^10 by chance, per member, or less
# (lowest mean -log10 p per member, words), strongest last.
LEVELS = ((0.0, "weak"), (2.0, "moderate"), (4.0, "strong"), (8.0, "very strong"))
# Below this a p-value is rounding (significance.MIN_P floors the exact tests at 1e-15).
P_RESOLUTION = 1e-14


def describe_strength(score: float | None, size: int, *, tested: bool) -> tuple[float | None, str]:
    """A group's evidence as ``(strength, words)``: ``strength`` is its ``score`` per member
    (mean -log10 p), between 0 and :data:`SCALE_TOP`, rounded to 0.1; ``words`` the level of
    :data:`LEVELS` it reaches. An untested (classic) run gives ``(None, "untested")``."""
    if not tested or score is None or not math.isfinite(score) or size < 1:
        return None, "untested"
    strength = round(min(max(score / size, 0.0), SCALE_TOP), 1)
    words = [w for low, w in LEVELS if strength >= low][-1]
    return strength, words


def format_p_value(p: float | None) -> str:
    """A p-value for a page: two digits, and ``< 1e-14`` for those too small to tell apart."""
    if p is None or not math.isfinite(p):
        return ""
    if p < P_RESOLUTION:
        return "< 1e-14"
    return f"{p:.1e}"
