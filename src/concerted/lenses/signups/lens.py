"""score_signups(): from a registration table to risks, verdicts, reasons and estimates.

This is the one public entry point the CLI, the report and the service sit on.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ... import __version__
from ...errors import ParameterError
from ...results import check_declared, table_schema
from . import geo
from .estimate import Estimate, check_estimate_params, estimate_genuine, person_risk
from .model import N_OBVIOUS, Fit, class_posteriors, collapse, fit_model, risk_of
from .signals import FEATURES, REASONS, Signals, compute_signals
from .surge import BIN_SECONDS, N_BUCKETS, Surge, measure_surges
from .vocab import CHANNELS, DEVICES

VERDICTS = ("genuine", "duplicate", "suspect")
SUSPECT_AT = 0.5
SURGE_REASON_AT = 0.5  # surge ratio from which "surge" is given as a reason
# Other reasonable settings (surge bin in seconds, obvious sub-classes, percentile of the 3-hour
# rates taken as a cell's organic level) for the structural spread. The lower quartile stands for
# waves long or frequent enough to lift a cell's median: the wave is then larger than measured.
VARIANTS = (
    (450, N_OBVIOUS, 50),
    (1800, N_OBVIOUS, 50),
    (BIN_SECONDS, 3, 50),
    (BIN_SECONDS, 8, 50),
    (BIN_SECONDS, N_OBVIOUS, 25),
)
N_CELLS = len(CHANNELS) * len(DEVICES)
N_MOMENTS = N_CELLS * N_BUCKETS
# Reasons that are not identity features: bit positions after the identity reasons.
EXTRA_REASONS = ("surge", "referrer_short_video", "inapp_short_video", "device_bot")


@dataclass
class SignupResult:
    """Everything one run of the lens found.

    ``registrations``: one row per registration in time order: ``id, risk, verdict, reasons,
    person, time`` and the identity columns as given (``name, email, phone, ip``), ``referrer,
    channel, device``. ``summary``: the figures of ``summary.json``.
    """

    registrations: pa.Table
    summary: dict
    estimate: Estimate
    fit: Fit
    signals: Signals
    surge: Surge | None
    risk: np.ndarray
    timeline: dict = field(default_factory=dict)


# The table the lens writes (registrations.csv), declared as the detector's are in
# concerted.results; the personal columns are there when the input has them.
REGISTRATIONS = table_schema(
    "One row per registration, in the input's order, with its verdict.",
    ("id", pa.string(), "The registration's id (the input's, or its row number)."),
    ("risk", pa.float64(), "The chance that the registration is not a genuine person's, 0-1."),
    ("verdict", pa.string(), "genuine, suspect, or duplicate (a person already registered)."),
    ("reasons", pa.string(), "The reason codes behind the risk, ';'-separated."),
    ("person", pa.int64(), "The person the registration belongs to (duplicates share one)."),
    ("time", pa.float64(), "When it was made, epoch seconds (a UTC time in the CSV)."),
    ("name", pa.string(), "The name given (a pseudonym unless revealed)."),
    ("email", pa.string(), "The e-mail address given (a pseudonym unless revealed)."),
    ("phone", pa.string(), "The phone number given (a pseudonym unless revealed)."),
    ("postcode", pa.string(), "The postcode given."),
    ("ip", pa.string(), "The IP address it came from (a pseudonym unless revealed)."),
    ("referrer", pa.string(), "The page that sent the registrant."),
    ("channel", pa.string(), "Where the registrant came from, by referrer and user agent."),
    ("device", pa.string(), "The kind of device, by user agent."),
)


def score_signups(
    table: pa.Table,
    *,
    venue_postcode: str | None = None,
    country: str = "US",
    show_rate: float | None = None,
    bootstrap: int = 40,
    seed: int = 0,
    source: str = "",
    progress=None,
) -> SignupResult:
    """Score every registration and estimate the genuine people behind them.

    Parameters
    ----------
    table
        Registrations in canonical columns (:func:`load_registrations`), any of ``time, name,
        email, phone, postcode, ip, user_agent, referrer``; ``id`` optional.
    venue_postcode
        The venue's US ZIP code: registrants' distance from it becomes a signal.
    country
        The event's country (ISO code): numbers of other countries are foreign.
    show_rate
        Share of genuine registrants expected to come; default 0.5 in a 0.4-0.6 range.
    bootstrap
        Refits of the model for the interval of the genuine estimate.

    Example
    -------
    >>> from concerted.lenses.signups.simulate import simulate_signups
    >>> world = simulate_signups(seed=3, genuine=400, fakes=400, days=4)
    >>> result = score_signups(world.registrations, venue_postcode="74103", bootstrap=5)
    >>> result.registrations.column_names[:4]
    ['id', 'risk', 'verdict', 'reasons']
    """
    say = progress or (lambda message: None)
    started = _time.perf_counter()
    venue_postcode, country = check_event(venue_postcode, country)
    check_estimate_params(show_rate, bootstrap)
    n = table.num_rows
    say(f"signals of {n:,} registrations")
    signals = compute_signals(table, venue_postcode=venue_postcode, country=country)
    cell = signals.channel.astype(np.int64) * len(DEVICES) + signals.device
    surge, dated, time_notes = None, np.zeros(n, bool), []
    if "time" in table.column_names and n:
        times = table["time"].to_numpy()
        rows = table["row"].to_numpy() if "row" in table.column_names else np.arange(1, n + 1)
        dated, time_notes = _within_span(times, rows)
        surge = measure_surges(times[dated], cell[dated], N_CELLS)
    bucket, ratio = _per_registration(surge, dated)
    moment = cell * N_BUCKETS + bucket
    surge_share = np.bincount(moment, ratio, N_MOMENTS) / np.maximum(
        np.bincount(moment, None, N_MOMENTS), 1
    )
    say("fitting the risk model")
    patterns = collapse(moment, signals.features, N_MOMENTS)
    fit = fit_model(patterns, surge_share=surge_share, n_buckets=N_BUCKETS)
    post = class_posteriors(patterns, fit, surge_share)
    risk = risk_of(post)[patterns.of_row]
    say("estimating genuine people")
    # How much the answer depends on choices the data cannot make for us: surges measured in
    # shorter and longer bins or against a lower organic level, fewer and more sub-classes of
    # obvious fakes.
    structural = 0.0
    if surge is not None:
        main = _genuine(risk, signals.person)
        for bin_seconds, n_obvious, level_quantile in VARIANTS:
            other = _fit_risk(times, dated, cell, signals, bin_seconds, n_obvious, level_quantile)
            structural = max(structural, abs(_genuine(other, signals.person) - main))
    draws = None
    if surge is not None and bootstrap > 0:
        draws = _bootstrap(times, dated, cell, signals, fit, bootstrap, seed)
    estimate = estimate_genuine(
        patterns,
        fit,
        signals.person,
        surge_share=surge_share,
        show_rate=show_rate,
        bootstrap=bootstrap,
        seed=seed,
        structural=structural,
        draws=draws,
    )
    verdict = np.where(~signals.first, 1, np.where(risk >= SUSPECT_AT, 2, 0))
    reasons = _reasons(signals, ratio, verdict)
    columns = {
        "id": table["id"]
        if "id" in table.column_names
        else pa.array([str(i + 1) for i in range(n)]),
        "risk": pa.array(np.round(risk, 4)),
        "verdict": pa.array(np.array(VERDICTS, dtype=object)[verdict], pa.string()),
        "reasons": reasons,
        "person": pa.array(signals.person),
    }
    if "time" in table.column_names:
        columns["time"] = table["time"]
    for c in ("name", "email", "phone", "postcode", "ip", "referrer"):
        if c in table.column_names:
            columns[c] = table[c]
    columns["channel"] = pa.array(np.array(CHANNELS, dtype=object)[signals.channel], pa.string())
    columns["device"] = pa.array(np.array(DEVICES, dtype=object)[signals.device], pa.string())
    registrations = check_declared(REGISTRATIONS, pa.table(columns), "registrations")
    timeline = _timeline(table, signals, risk, dated) if surge is not None else {}
    summary = {
        **estimate.to_dict(),
        "verdicts": {v: int((verdict == i).sum()) for i, v in enumerate(VERDICTS)},
        "top_reasons": _top_reasons(reasons, verdict),
        "surges": timeline.get("windows", []),
        "channels": _channels(signals, risk),
        "params": {
            "venue_postcode": venue_postcode,
            "country": country,
            "show_rate": show_rate,
            "bootstrap": bootstrap,
            "seed": seed,
            "suspect_at": SUSPECT_AT,
        },
        "model": {
            "wave_mix": {
                "careful": round(float(fit.rho[0]), 4),
                "obvious": round(float(fit.rho[1:].sum()), 4),
            },
            "wave_share_of_surges": {
                f"{CHANNELS[c // len(DEVICES)]}/{DEVICES[c % len(DEVICES)]}": round(
                    float(fit.w[c]), 3
                )
                for c in np.flatnonzero(np.bincount(cell, ratio, N_CELLS) >= 20)
            },
            "iterations": fit.iterations,
            "patterns": int(patterns.counts.size),
        },
        "columns_used": [
            c
            for c in ("time", "name", "email", "phone", "postcode", "ip", "user_agent", "referrer")
            if c in table.column_names
        ],
        "notes": signals.notes
        + time_notes
        + ([] if "time" in table.column_names else ["no time column: surges cannot be measured"]),
        "input": source,
        "first_time": float(table["time"].to_numpy()[dated].min()) if dated.any() else None,
        "last_time": float(table["time"].to_numpy()[dated].max()) if dated.any() else None,
        "seconds": round(_time.perf_counter() - started, 2),
        "concerted_version": __version__,
    }
    return SignupResult(registrations, summary, estimate, fit, signals, surge, risk, timeline)


# A registration dated this far outside the span of the middle 98 % of the log (or a week,
# whichever is more) is a typing or clock error, not a moment: it takes no part in timing.
SPAN_MARGIN = 0.5
SPAN_MARGIN_SECONDS = 7 * 86_400
# More than 1 % of the rows can be wrong in the same way (a column of blank dates read as 1970):
# the log's timing is its largest run of registrations without a month's silence, and at most
# the last two years of it. Surges are measured in dense (cells x bins) arrays, so the span
# bounds their memory whatever the times say.
GAP_SECONDS = 30 * 86_400
MAX_SPAN_SECONDS = 730 * 86_400


def _within_span(times: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Which registrations lie within the log's robust span, and a note naming the file rows
    of those that do not."""
    finite = np.isfinite(times)
    if not finite.any():
        return finite, []
    lo, hi = np.quantile(times[finite], [0.01, 0.99])
    margin = max(SPAN_MARGIN * (hi - lo), SPAN_MARGIN_SECONDS)
    dated = finite & (times >= lo - margin) & (times <= hi + margin)
    lo, hi = _densest_run(times[dated])
    dated &= (times >= max(lo, hi - MAX_SPAN_SECONDS)) & (times <= hi)
    outside = int((~dated).sum())
    if not outside:
        return dated, []
    named = ", ".join(str(int(r)) for r in np.sort(rows[~dated])[:5])
    return dated, [
        f"{outside:,} registration(s) dated far outside the others "
        f"({'row' if outside == 1 else 'rows'} {named}"
        f"{', ...' if outside > 5 else ''}): left out of the surges and the timeline; check "
        "their time values"
    ]


def _densest_run(times: np.ndarray) -> tuple[float, float]:
    """First and last time of the largest run of registrations with no gap over GAP_SECONDS."""
    t = np.sort(times)
    cuts = np.flatnonzero(np.diff(t) > GAP_SECONDS) + 1
    starts, ends = np.r_[0, cuts], np.r_[cuts, t.size]
    k = int(np.argmax(ends - starts))
    return float(t[starts[k]]), float(t[ends[k] - 1])


def _per_registration(surge: Surge | None, dated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each registration's surge bucket and ratio (none for the undated ones)."""
    bucket, ratio = np.zeros(dated.size, np.int64), np.zeros(dated.size)
    if surge is not None:
        bucket[dated], ratio[dated] = surge.bucket, surge.ratio
    return bucket, ratio


def check_event(venue_postcode: str | None, country: str) -> tuple[str | None, str]:
    """The event's venue ZIP code and country, checked: a typo here would silently turn off the
    distance and foreign-number signals."""
    import phonenumbers

    code = str(country or "").strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ParameterError(
            f"country (--country) must be a two-letter ISO 3166 code, e.g. US, GB or DE. "
            f"Got {country!r}."
        )
    if venue_postcode is None:
        return None, code
    venue = str(venue_postcode).strip()
    if code != "US":
        raise ParameterError(
            "venue_postcode (--venue-postcode) is read as a US ZIP code, and the event's country "
            f"is {code}: leave the venue postcode out for an event outside the US."
        )
    if geo.locate(venue) is None:
        raise ParameterError(
            f"venue_postcode (--venue-postcode) {venue!r} is not a known US ZIP code: give the "
            "venue's five-digit ZIP, e.g. 74103, or leave it out."
        )
    return venue, code


def _fit_risk(
    times: np.ndarray,
    dated: np.ndarray,
    cell: np.ndarray,
    signals: Signals,
    bin_seconds: int,
    n_obvious: int,
    level_quantile: float,
) -> np.ndarray:
    surge = measure_surges(
        times[dated], cell[dated], N_CELLS, bin_seconds=bin_seconds, level_quantile=level_quantile
    )
    bucket, ratio = _per_registration(surge, dated)
    moment = cell * N_BUCKETS + bucket
    share = np.bincount(moment, ratio, N_MOMENTS) / np.maximum(
        np.bincount(moment, None, N_MOMENTS), 1
    )
    patterns = collapse(moment, signals.features, N_MOMENTS)
    fit = fit_model(
        patterns, surge_share=share, n_buckets=N_BUCKETS, max_iter=300, n_obvious=n_obvious
    )
    return risk_of(class_posteriors(patterns, fit, share))[patterns.of_row]


def _bootstrap(
    times: np.ndarray,
    dated: np.ndarray,
    cell: np.ndarray,
    signals: Signals,
    fit: Fit,
    n_draws: int,
    seed: int,
) -> list[float]:
    """The genuine estimate in each of ``n_draws`` bootstrap draws: every registration counted a
    Poisson(1) number of times, the surges measured again from those counts, the model refitted
    on them and applied to every registration. The surges are estimates too: holding them fixed
    made the interval too narrow."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_draws):
        w = rng.poisson(1.0, cell.size).astype(float)
        surge = measure_surges(times[dated], cell[dated], N_CELLS, weights=w[dated])
        bucket, ratio = _per_registration(surge, dated)
        moment = cell * N_BUCKETS + bucket
        share = np.bincount(moment, ratio * w, N_MOMENTS) / np.maximum(
            np.bincount(moment, w, N_MOMENTS), 1e-9
        )
        patterns = collapse(moment, signals.features, N_MOMENTS, weights=w)
        refit = fit_model(
            patterns, surge_share=share, n_buckets=N_BUCKETS, start=fit, max_iter=200, tol=1e-7
        )
        risk = risk_of(class_posteriors(patterns, refit, share))[patterns.of_row]
        out.append(_genuine(risk, signals.person))
    return out


def _genuine(risk: np.ndarray, person: np.ndarray) -> float:
    n = int(person.max()) + 1 if person.size else 0
    return float((1 - person_risk(risk, person, n)).sum())


def _reasons(signals: Signals, ratio: np.ndarray, verdict: np.ndarray) -> pa.Array:
    """Reason codes as ``a;b;c`` strings, built once per distinct combination."""
    names = list(REASONS.values()) + list(EXTRA_REASONS) + ["duplicate"]
    mask = np.zeros(signals.person.size, np.int64)
    for bit, ((feature, code), _) in enumerate(REASONS.items()):
        mask |= (signals.features[feature] == code).astype(np.int64) << bit
    base = len(REASONS)
    extras = (
        ratio >= SURGE_REASON_AT,
        signals.channel == CHANNELS.index("short_video"),
        signals.device == DEVICES.index("inapp_short_video"),
        (signals.device == DEVICES.index("bot_or_unknown")) & signals.agent_given,
        verdict == 1,
    )
    for j, flag in enumerate(extras):
        mask |= flag.astype(np.int64) << (base + j)
    uniq, inverse = np.unique(mask, return_inverse=True)
    text = [";".join(name for bit, name in enumerate(names) if m >> bit & 1) for m in uniq.tolist()]
    return pa.array(text, pa.string()).take(pa.array(inverse.ravel()))


def _top_reasons(reasons: pa.Array, verdict: np.ndarray) -> list[dict]:
    counts: dict[str, list[int]] = {}
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(reasons)
    per = np.bincount(encoded.indices.to_numpy(), minlength=len(encoded.dictionary))
    sus = np.bincount(encoded.indices.to_numpy()[verdict == 2], minlength=len(encoded.dictionary))
    for text, c, s in zip(encoded.dictionary.to_pylist(), per.tolist(), sus.tolist(), strict=True):
        for r in filter(None, text.split(";")):
            total = counts.setdefault(r, [0, 0])
            total[0] += c
            total[1] += s
    rows = [{"reason": r, "registrations": c, "suspect": s} for r, (c, s) in counts.items()]
    return sorted(rows, key=lambda d: (-d["suspect"], -d["registrations"], d["reason"]))


def _channels(signals: Signals, risk: np.ndarray) -> list[dict]:
    n = np.bincount(signals.channel, minlength=len(CHANNELS))
    wave = np.bincount(signals.channel, risk, len(CHANNELS))
    return [
        {"channel": c, "registrations": int(n[i]), "fake_estimate": round(float(wave[i]), 1)}
        for i, c in enumerate(CHANNELS)
        if n[i]
    ]


def _timeline(
    table: pa.Table, signals: Signals, risk: np.ndarray, dated: np.ndarray, step: int = 3600
) -> dict:
    """Hourly registrations by channel, the expected fakes per hour, and surge windows (runs of
    hours in which the model puts at least half the registrations, and at least 5, in the wave).
    Registrations dated outside the log's span (``~dated``) are left out."""
    t = table["time"].to_numpy()[dated]
    if t.size == 0:
        return {}
    channel, device, risk = signals.channel[dated], signals.device[dated], risk[dated]
    start = float(np.floor(t.min() / step) * step)
    h = ((t - start) // step).astype(np.int64)
    n_hours = int(h.max()) + 1
    by_channel = np.bincount(
        channel.astype(np.int64) * n_hours + h, minlength=len(CHANNELS) * n_hours
    )
    by_channel = by_channel.reshape(len(CHANNELS), n_hours)
    total = by_channel.sum(axis=0)
    wave = np.bincount(h, risk, n_hours)
    hot = (wave >= 5) & (wave >= 0.5 * total)
    windows = []
    i = 0
    while i < n_hours:
        if not hot[i]:
            i += 1
            continue
        j = i
        while j + 1 < n_hours and hot[j + 1]:
            j += 1
        sel = (h >= i) & (h <= j)
        ch = np.bincount(channel[sel], minlength=len(CHANNELS))
        dev = np.bincount(device[sel], minlength=len(DEVICES))
        windows.append(
            {
                "start": start + i * step,
                "end": start + (j + 1) * step,
                "registrations": int(total[i : j + 1].sum()),
                "fake_estimate": round(float(wave[i : j + 1].sum()), 1),
                "top_channel": CHANNELS[int(ch.argmax())],
                "top_device": DEVICES[int(dev.argmax())],
            }
        )
        i = j + 1
    return {
        "start": start,
        "step": step,
        "channels": list(CHANNELS),
        "by_channel": by_channel,
        "wave": wave,
        "windows": windows,
    }


__all__ = ["SignupResult", "score_signups", "FEATURES"]
