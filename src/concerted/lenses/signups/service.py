"""A scoring service for live registration forms: ``POST /v1/registrations`` answers risk,
verdict and reasons, the way the batch lens would with what it has seen so far.

* Durable: each accepted registration and its velocity count are committed to the SQLite state
  (WAL) before the answer is sent. ``synchronous="normal"`` (the default) hands the commit to the
  OS: it survives a crash, kill or restart of the service, not a power loss of the machine;
  ``"full"`` also waits for the disk (fsync). Requests that arrive while a commit is under way are
  committed together in the next one (group commit), so an fsync is paid per batch, not per
  request. A restart rebuilds people, shared numbers and networks and velocity from the file. Posting the same ``id`` again returns the stored answer and counts nothing twice.
* The model: the one given (``model.json`` from a batch run); otherwise one fitted to the state
  itself once it holds enough registrations, refitted as more arrive; before that, a cold-start
  model fitted to a simulated log (:mod:`.simulate`), which the summary names as such.
* Errors answer one JSON shape: ``{"error": {"code", "message", "details"}}``, whatever goes
  wrong (never a plain-text 500).
* Guarded as the web app is (:mod:`concerted.httpguard`): bound to a loopback address it answers
  only requests addressed to it (no DNS rebinding); a POST must be ``application/json``, which a
  page of another site cannot send without the service's consent (no cross-site forgery); a body
  is at most ``max_body_bytes`` (64 KB by default; a registration is under 6,000 characters).

Run it with ``concerted serve signups`` (bound to 127.0.0.1 by default).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import Response

from ...errors import ParameterError
from ...httpguard import allowed_hosts, guarded_app, json_error, load_json
from .lens import N_CELLS, SUSPECT_AT, check_event
from .live import LiveState, identify, ip_category, parse_time, reasons_of
from .model import Fit, collapse, fit_model
from .signals import FEATURES
from .surge import N_BUCKETS, bucket_of
from .vocab import CHANNELS, DEVICES

MIN_REGISTRATIONS_TO_FIT = 1000
REFIT_MIN_SECONDS = 60.0
CHECKPOINT_SECONDS = 5.0  # refit at most this often, whatever the rate of registrations
MAX_BODY_BYTES = 64 << 10  # the longest registration: under 6,000 characters, 33 KB if all escaped


FIELDS = {  # field -> longest accepted text
    "id": 200,
    "time": 64,
    "name": 500,
    "email": 500,
    "phone": 100,
    "postcode": 50,
    "ip": 100,
    "user_agent": 2000,
    "referrer": 2000,
}


def parse_registration(body: bytes) -> dict:
    """The registration in a request body (a JSON object; every field optional, unknown ones
    ignored). Raises ValueError with a message a form developer can act on.

    Parsed by hand rather than through a schema library: this is the hot path of the service.
    """
    data = load_json(body)
    if not isinstance(data, dict):
        raise ValueError('the body must be a JSON object, e.g. {"id": "r1", "email": "a@b.com"}')
    out = {}
    for field, longest in FIELDS.items():
        value = data.get(field)
        if value is None:
            continue
        if field == "time" and isinstance(value, int | float) and not isinstance(value, bool):
            try:  # JSON numbers have no bound: 10**400 is an int no float holds
                finite = math.isfinite(float(value))
            except OverflowError:
                finite = False
            if not finite:
                raise ValueError(
                    "time is not between 1970 and 2100: send ISO 8601 (2020-06-20T18:00:00Z) or "
                    "Unix seconds or milliseconds"
                )
            out[field] = value
            continue
        if not isinstance(value, str):
            raise ValueError(
                f"{field} must be a string{' or a number' if field == 'time' else ''}; got {type(value).__name__}"
            )
        if len(value) > longest:
            raise ValueError(f"{field} is longer than {longest} characters")
        out[field] = value
    return out


def create_app(
    state_path: str | Path,
    *,
    venue_postcode: str | None = None,
    country: str = "US",
    model: dict | None = None,
    refit_every: int = 5000,
    synchronous: str = "normal",
    host: str = "127.0.0.1",
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The FastAPI app. ``model``: a ``model.json`` document (``concerted signups`` writes one);
    ``host``: the address the server listens on (on a loopback one, only requests addressed to
    it are answered); ``max_body_bytes``: the largest request body accepted."""
    venue_postcode, country = check_event(venue_postcode, country)
    if refit_every < 1:
        raise ParameterError(f"refit_every must be >= 1. Got {refit_every}.")
    if model is not None and model.get("kind") != "concerted.signups.model":
        raise ParameterError("--model: not a model.json written by `concerted signups`.")
    live = _Live(Path(state_path), venue_postcode, country, model, refit_every, synchronous)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        live.start()
        try:
            yield
        finally:
            await live.stop()

    app = guarded_app(
        title="concerted sign-up scoring",
        version="1",
        lifespan=lifespan,
        hosts=allowed_hosts(host),
        messages={
            404: lambda request: (
                f"No such endpoint: {request.url.path}. Use POST /v1/registrations."
            ),
            405: lambda request: f"{request.method} is not allowed on {request.url.path}.",
        },
        write_media_type="application/json",
        max_body_bytes=max_body_bytes,
    )
    app.state.live = live

    async def register(request: Request):
        try:
            reg = parse_registration(await request.body())
            answer = await live.score(reg)
        except ValueError as exc:
            return _error(422, "invalid_registration", str(exc), [])
        except _NotStored as exc:
            return _error(
                503, "not_stored", f"The registration could not be stored ({exc}); try again.", []
            )
        return Response(json.dumps(answer), media_type="application/json")

    # A plain route: the body is parsed by parse_registration, not by a schema layer.
    app.router.add_route("/v1/registrations", register, methods=["POST"])

    @app.get("/v1/health")
    async def health():
        return {"status": "ok", "registrations": len(live.state.by_id), "model": live.model_source}

    @app.get("/v1/summary")
    async def summary():
        return live.summary()

    return app


def _error(status: int, code: str, message: str, details: list) -> Response:
    return json_error(status, code, message, details)


class _NotStored(Exception):
    pass


class _Live:
    """The service's state, model and group-commit writer."""

    def __init__(
        self,
        path: Path,
        venue: str | None,
        country: str,
        model: dict | None,
        refit_every: int,
        synchronous: str,
    ):
        self.state = LiveState(path, synchronous=synchronous)
        self.venue, self.country = venue, country
        self.refit_every = refit_every
        self.pending: list[tuple[dict, asyncio.Future]] = []
        self.wake: asyncio.Event | None = None
        self.writer: asyncio.Task | None = None
        self.refitting = False
        self.since_fit = 0
        self.fitted_at = time.monotonic()
        self.inflight: dict[str, asyncio.Future] = {}
        self._reload_person_risk()
        if model is not None:
            self.fit, self.model_source, self.fixed = Fit.from_dict(model["fit"]), "given", True
        elif len(self.state.by_id) >= MIN_REGISTRATIONS_TO_FIT:
            self.fit, self.model_source, self.fixed = (
                _fit_rows(self.state.rows(), None),
                "fitted to the state",
                False,
            )
        else:
            self.fit, self.model_source, self.fixed = (
                _cold_start_fit(),
                "cold start (fitted to a simulated log)",
                False,
            )

    def _reload_person_risk(self) -> None:
        self.person_risk: dict[int, list[float]] = {}
        for rec in self.state.by_id.values():
            self._add_person_risk(rec["person"], rec["risk"])

    def start(self) -> None:
        self.wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        self.writer = loop.create_task(self._write_loop())
        self.checkpointer = loop.create_task(self._checkpoint_loop())

    async def _checkpoint_loop(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            try:
                await asyncio.to_thread(self.state.checkpoint)
            except Exception:  # a busy database: the next round will do it
                pass

    async def stop(self) -> None:
        if self.writer is not None:
            while self.pending:
                await asyncio.sleep(0.005)
            self.writer.cancel()
            self.checkpointer.cancel()
        self.state.close()

    async def score(self, reg: dict) -> dict:
        st = self.state
        rid = reg.get("id") or uuid.uuid4().hex
        key = st.hash("id", rid)
        if key in self.inflight:  # posted again before the first was stored: wait for it
            await asyncio.shield(self.inflight[key])
        seen = st.by_id.get(key)
        if seen is not None:  # idempotent: a retried post counts once
            return {**_answer(seen, rid), "repeat": True}
        # Everything is checked before anything is taken into the state.
        t = parse_time(reg.get("time"), time.time())
        who = identify(reg, venue_postcode=self.venue, country=self.country)
        email_key = st.hash("email", who.email)
        name_phone_key = (
            st.hash("name_phone", f"{who.name}|{who.phone}") if who.name and who.phone else None
        )
        person, duplicate = st.person(email_key, name_phone_key)
        phone_key, block_key = st.hash("phone", who.phone), st.hash("block", who.block)
        cell = who.channel * len(DEVICES) + who.device
        surge = st.surge(cell, t)
        features = {
            **who.features,
            "phone_reused": int(st.shared(st.phone_people, phone_key, person) > 1),
            "ip": ip_category(st.shared(st.block_people, block_key, person)),
        }
        risk = self.fit.risk_one(cell, surge, features)
        verdict = "duplicate" if duplicate else "suspect" if risk >= SUSPECT_AT else "genuine"
        reasons = reasons_of(
            features,
            surge=surge,
            channel=who.channel,
            device=who.device,
            duplicate=duplicate,
            agent_given=who.agent_given,
        )
        rec = {
            "id": key,
            "time": t,
            "person": person,
            "email_key": email_key,
            "name_phone_key": name_phone_key,
            "phone_key": phone_key,
            "block_key": block_key,
            "cell": cell,
            "surge": round(surge, 4),
            **{k: int(features[k]) for k in FEATURES},
            "risk": round(risk, 4),
            "verdict": verdict,
            "reasons": ";".join(reasons),
        }
        # Into memory now, so that the next request sees this one (a person, a shared number,
        # the velocity); if the commit fails, the writer takes it out again.
        st.record(rec)
        self._add_person_risk(person, rec["risk"])
        future = asyncio.get_running_loop().create_future()
        self.pending.append((rec, future))
        self.inflight[key] = future
        self.wake.set()
        try:
            await asyncio.shield(future)
        finally:
            self.inflight.pop(key, None)
        self.since_fit += 1
        if (
            not self.fixed
            and not self.refitting
            and self.since_fit >= self.refit_every
            and time.monotonic() - self.fitted_at >= REFIT_MIN_SECONDS
        ):
            self.refitting = True
            asyncio.get_running_loop().create_task(self._refit())
        return {
            **_answer(rec, rid),
            "channel": CHANNELS[who.channel],
            "device": DEVICES[who.device],
            "surge_bucket": int(bucket_of(surge)),
        }

    def _add_person_risk(self, person: int, risk: float) -> None:
        entry = self.person_risk.setdefault(person, [0.0, 0])
        entry[0] += risk
        entry[1] += 1

    async def _write_loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            batch, self.pending = self.pending, []
            if not batch:
                continue
            try:
                await asyncio.to_thread(self.state.commit, [rec for rec, _ in batch])
            except Exception as exc:  # the disk said no: these registrations are not accepted
                # Nor are those scored since, against a memory that held them: every one not
                # stored is refused, and memory is read back from the file.
                batch, self.pending = batch + self.pending, []
                self.state.reload()
                self._reload_person_risk()
                for _, future in batch:
                    future.set_exception(_NotStored(str(exc)))
                continue
            for _, future in batch:
                future.set_result(None)

    async def _refit(self) -> None:
        try:
            current = self.fit
            self.fit = await asyncio.to_thread(lambda: _fit_rows(self.state.rows(), current))
            self.model_source = "fitted to the state"
            self.since_fit = 0
            self.fitted_at = time.monotonic()
        finally:
            self.refitting = False

    def summary(self) -> dict:
        verdicts: dict[str, int] = {"genuine": 0, "duplicate": 0, "suspect": 0}
        for rec in self.state.by_id.values():
            verdicts[rec["verdict"]] += 1
        genuine = sum(1 - s / n for s, n in self.person_risk.values())
        return {
            "registrations": len(self.state.by_id),
            "unique_people_estimate": len(self.person_risk),
            "genuine_estimate": round(genuine, 1),
            "verdicts": verdicts,
            "model": self.model_source,
        }


def _answer(rec: dict, rid: str) -> dict:
    """The answer about stored registration ``rec``, posted with id ``rid`` (the state keeps
    only its keyed hash)."""
    return {
        "id": rid,
        "risk": rec["risk"],
        "verdict": rec["verdict"],
        "reasons": [r for r in rec["reasons"].split(";") if r],
        "person": rec["person"],
        "surge": rec["surge"],
    }


def _fit_rows(rows: dict[str, np.ndarray], start: Fit | None) -> Fit:
    cell = rows["cell"].astype(np.int64)
    surge = rows["surge"]
    bucket = bucket_of(surge).astype(np.int64)
    moment = cell * N_BUCKETS + bucket
    n_moments = N_CELLS * N_BUCKETS
    share = np.bincount(moment, surge, n_moments) / np.maximum(
        np.bincount(moment, None, n_moments), 1
    )
    features = {k: rows[k].astype(np.int64) for k in FEATURES}
    patterns = collapse(moment, features, n_moments)
    return fit_model(patterns, surge_share=share, n_buckets=N_BUCKETS, start=start, max_iter=300)


@lru_cache(maxsize=1)
def _cold_start_fit() -> Fit:
    from .lens import score_signups
    from .simulate import simulate_signups

    world = simulate_signups(seed=0, genuine=3000, fakes=3000, days=6)
    return score_signups(world.registrations, venue_postcode="74103", bootstrap=0).fit
