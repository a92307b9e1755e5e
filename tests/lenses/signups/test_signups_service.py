"""The live scoring service: answers, errors, durable state across restarts, and the same signals
as the batch lens."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from concerted.errors import ParameterError
from concerted.lenses.signups import score_signups, simulate_signups
from concerted.lenses.signups.cli import serve_signups
from concerted.lenses.signups.live import identify
from concerted.lenses.signups.outputs import model_document
from concerted.lenses.signups.service import create_app
from concerted.lenses.signups.signals import compute_signals

TIKTOK_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) Mobile/15E148 musical_ly_16.1.0"
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/83.0 Safari/537.36"
)
FAKE = {
    "id": "f1",
    "time": "2020-06-10T20:00:00Z",
    "name": "Donald Duck",
    "email": "quack@mailinator.com",
    "phone": "+44 20 7946 0958",
    "postcode": "90210",
    "user_agent": TIKTOK_UA,
    "referrer": "https://www.tiktok.com/",
}
GENUINE = {
    "id": "g1",
    "time": "2020-06-10T20:01:00Z",
    "name": "Mary Johnson",
    "email": "Mary.Johnson@gmail.com",
    "phone": "(918) 596-0134",
    "postcode": "74103",
    "ip": "68.1.2.3",
    "user_agent": DESKTOP_UA,
    "referrer": "https://www.google.com/",
}


def serve(app) -> TestClient:
    """A client of the service as it listens by default (on 127.0.0.1, answering that name)."""
    return TestClient(app, base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def model():
    world = simulate_signups(seed=2, genuine=1500, fakes=1500, days=5)
    return model_document(score_signups(world.registrations, venue_postcode="74103", bootstrap=0))


def test_service_scores_flags_and_merges(tmp_path, model):
    with serve(create_app(tmp_path / "s.db", venue_postcode="74103", model=model)) as client:
        fake = client.post("/v1/registrations", json=FAKE).json()
        assert fake["verdict"] == "suspect" and fake["risk"] > 0.9
        assert {
            "email_disposable",
            "name_joke",
            "phone_foreign",
            "postcode_far",
            "inapp_short_video",
        } <= set(fake["reasons"])
        genuine = client.post("/v1/registrations", json=GENUINE).json()
        assert (
            genuine["verdict"] == "genuine" and genuine["risk"] < 0.1 and genuine["reasons"] == []
        )
        again = client.post(
            "/v1/registrations",
            json={**GENUINE, "id": "g2", "email": "maryjohnson+rally@googlemail.com"},
        ).json()
        assert again["verdict"] == "duplicate" and again["person"] == genuine["person"]
        repeat = client.post("/v1/registrations", json=FAKE).json()
        assert repeat["repeat"] is True and repeat["risk"] == fake["risk"]
        summary = client.get("/v1/summary").json()
        assert summary["registrations"] == 3 and summary["unique_people_estimate"] == 2
        assert summary["verdicts"] == {"genuine": 1, "duplicate": 1, "suspect": 1}
        assert summary["model"] == "given"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"email": 7}', "email must be a string"),
        (b'{"time": "tomorrow"}', "is not a time"),
        (b'{"name": "' + b"x" * 600 + b'"}', "name is longer than 500"),
    ],
)
def test_service_bad_input_answers_one_json_shape(tmp_path, model, body, message):
    with serve(create_app(tmp_path / "s.db", model=model)) as client:
        r = client.post(
            "/v1/registrations", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422
        error = r.json()["error"]
        assert error["code"] == "invalid_registration" and message in error["message"]
        assert client.get("/v1/summary").json()["registrations"] == 0
        missing = client.get("/v2/nothing")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_state_survives_a_restart(tmp_path, model):
    path = tmp_path / "s.db"
    wave = [
        {
            **FAKE,
            "id": f"w{i}",
            "email": f"fan{i}@gmail.com",
            "phone": f"+44 20 7946 {i:04d}",
            "time": 1591819200 + i,
            "ip": f"104.1.1.{i}",
        }
        for i in range(30)
    ]
    with serve(create_app(path, model=model)) as client:
        for reg in [GENUINE, *wave]:
            assert client.post("/v1/registrations", json=reg).status_code == 200
        live = client.app.state.live
        velocity = {c: dict(v) for c, v in live.state.velocity.items()}
        shared = len(live.state.block_people)
        summary = client.get("/v1/summary").json()
    with serve(create_app(path, model=model)) as client:
        live = client.app.state.live
        assert {c: dict(v) for c, v in live.state.velocity.items()} == velocity
        assert len(live.state.block_people) == shared
        assert client.get("/v1/summary").json() == summary
        # The person is remembered: the same address after the restart is a duplicate.
        again = client.post("/v1/registrations", json={**GENUINE, "id": "g9"}).json()
        assert again["verdict"] == "duplicate"
        # The /24 remembered: 31 people now share 104.1.1.x.
        newcomer = {**wave[0], "id": "w99", "email": "new@gmail.com", "phone": "+44 20 7946 0999"}
        last = client.post("/v1/registrations", json=newcomer).json()
        assert "ip_crowded" in last["reasons"]


def test_state_file_holds_no_address_or_number(tmp_path, model):
    path = tmp_path / "s.db"
    with serve(create_app(path, model=model)) as client:
        client.post("/v1/registrations", json=GENUINE)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for value in (b"johnson", b"5960134", b"596-0134", b"68.1.2.3", b"gmail"):
        assert value not in raw.lower()


def test_live_signals_match_the_batch_signals():
    world = simulate_signups(seed=8, genuine=300, fakes=300, days=3)
    table = world.registrations
    batch = compute_signals(table, venue_postcode="74103")
    for i, reg in enumerate(table.to_pylist()):
        one = identify(reg, venue_postcode="74103")
        for k, v in one.features.items():
            assert v == batch.features[k][i], (k, reg)
        assert one.channel == batch.channel[i] and one.device == batch.device[i], reg


def test_serve_binds_to_loopback_by_default():
    host = next(p for p in serve_signups.params if p.name == "host")
    assert host.default == "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, reg: dict) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/registrations",
        data=json.dumps(reg).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def _serve(state, port, model_path):
    cmd = [sys.executable, "-m", "concerted.cli", "serve", "signups", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--state", str(state), "--model", str(model_path)],
        stderr=subprocess.PIPE,
    )
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=1) as r:
                return proc, json.loads(r.read())
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode()) from None
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start")


@pytest.mark.slow
def test_real_server_keeps_every_registration_across_a_kill(tmp_path, model):
    model_path = tmp_path / "model.json"
    model_path.write_text(json.dumps(model))
    state, port = tmp_path / "s.db", _free_port()
    proc, health = _serve(state, port, model_path)
    try:
        assert health["registrations"] == 0
        people = [
            {
                **GENUINE,
                "id": f"k{i}",
                "email": f"k{i}@gmail.com",
                "phone": f"918 596 {i:04d}",
                "ip": f"68.1.{i}.3",
            }
            for i in range(50)
        ]
        answers = [_post(port, reg) for reg in people]
        assert all(a["verdict"] == "genuine" for a in answers)
    finally:
        proc.kill()  # no clean shutdown: what was answered must already be on disk
        proc.wait()
    proc, health = _serve(state, port, model_path)
    try:
        assert health["registrations"] == 50
        assert _post(port, people[0])["repeat"] is True
    finally:
        proc.terminate()
        proc.wait()


def test_service_fits_its_own_model_from_a_large_enough_state(tmp_path):
    from concerted.lenses.signups.live import LiveState
    from concerted.lenses.signups.service import MIN_REGISTRATIONS_TO_FIT

    world = simulate_signups(seed=3, genuine=800, fakes=800, days=4)
    table = world.registrations
    s = compute_signals(table, venue_postcode="74103")
    n = table.num_rows
    assert n >= MIN_REGISTRATIONS_TO_FIT
    state = LiveState(tmp_path / "s.db")
    recs = [
        {
            "id": table["id"][i].as_py(),
            "time": table["time"][i].as_py(),
            "person": int(s.person[i]),
            "email_key": None,
            "name_phone_key": None,
            "phone_key": None,
            "block_key": None,
            "cell": int(s.channel[i]) * 5 + int(s.device[i]),
            "surge": 0.0,
            **{k: int(v[i]) for k, v in s.features.items()},
            "risk": 0.5,
            "verdict": "genuine",
            "reasons": "",
        }
        for i in range(n)
    ]
    state.commit(recs)
    state.close()
    with serve(create_app(tmp_path / "s.db", venue_postcode="74103")) as client:
        assert client.get("/v1/health").json() == {
            "status": "ok",
            "registrations": n,
            "model": "fitted to the state",
        }
        fake = client.post("/v1/registrations", json=FAKE).json()
        assert fake["verdict"] == "suspect"


def _run_live(path, model, regs, *, fail_first_commit=False):
    """Post ``regs`` all at once to the service core (one group commit); returns each answer or
    the exception it raised, and the service's state after."""
    import asyncio

    from concerted.lenses.signups.service import _Live

    async def run():
        live = _Live(path, "74103", "US", model, 5000, "normal")
        if fail_first_commit:
            commit, calls = live.state.commit, []

            def failing(recs):
                calls.append(len(recs))
                if len(calls) == 1:
                    raise OSError("disk full")
                commit(recs)

            live.state.commit = failing
        live.start()
        answers = await asyncio.gather(*(live.score(r) for r in regs), return_exceptions=True)
        velocity = {c: dict(v) for c, v in live.state.velocity.items()}
        ids = set(live.state.by_id)
        await live.stop()
        return answers, velocity, ids

    return asyncio.run(run())


def _wave(n, **extra):
    return [
        {**FAKE, "id": f"w{i}", "email": f"fan{i}@gmail.com", "time": 1591819200 + i, **extra}
        for i in range(n)
    ]


def test_a_bad_time_is_refused_alone_and_the_others_are_stored(tmp_path, model):
    path = tmp_path / "s.db"
    regs = _wave(10)
    regs[4] = {**regs[4], "time": 1e300}  # used to fail the whole batch when written
    answers, velocity, ids = _run_live(path, model, regs)
    assert isinstance(answers[4], ValueError) and "between 1970 and 2100" in str(answers[4])
    assert all(isinstance(a, dict) for i, a in enumerate(answers) if i != 4)
    assert len(ids) == 9
    # What memory held is what the file holds.
    _, velocity_again, ids_again = _run_live(path, model, [])
    assert velocity_again == velocity and ids_again == ids
    with serve(create_app(tmp_path / "t.db", model=model)) as client:
        r = client.post("/v1/registrations", json={**GENUINE, "time": "9999-01-01T00:00:00Z"})
        assert r.status_code == 422 and "time" in r.json()["error"]["message"]


def test_a_failed_commit_leaves_nothing_in_memory_that_is_not_stored(tmp_path, model):
    from concerted.lenses.signups.service import _NotStored

    path = tmp_path / "s.db"
    answers, velocity, ids = _run_live(path, model, _wave(8), fail_first_commit=True)
    refused = [a for a in answers if isinstance(a, _NotStored)]
    assert refused and all(isinstance(a, dict | _NotStored) for a in answers)
    stored = [a for a in answers if isinstance(a, dict)]
    assert len(ids) == len(stored)  # memory holds the stored ones only
    _, velocity_again, ids_again = _run_live(path, model, [])
    assert velocity_again == velocity and ids_again == ids
    # Posted again, the refused ones are stored and counted once.
    answers, _, ids = _run_live(path, model, _wave(8))
    assert len(ids) == 8 and sum(a.get("repeat", False) for a in answers) == len(stored)


def test_state_keeps_no_registration_id_and_its_key_apart(tmp_path, model):
    path = tmp_path / "s.db"
    reg = {**GENUINE, "id": "mary.johnson-2020"}
    with serve(create_app(path, model=model)) as client:
        first = client.post("/v1/registrations", json=reg).json()
    assert first["id"] == "mary.johnson-2020"
    key = tmp_path / "s.db.key"
    assert key.exists() and key.stat().st_mode & 0o077 == 0
    state = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p != key)
    assert b"mary.johnson-2020" not in state and key.read_bytes().strip() not in state
    with serve(create_app(path, model=model)) as client:  # recognised after a restart
        again = client.post("/v1/registrations", json=reg).json()
        assert again["repeat"] is True and again["id"] == reg["id"]
    key.unlink()  # without its key the state cannot be read: a clear error, nothing changed
    before = path.read_bytes()
    with pytest.raises(ParameterError, match="key file"):
        create_app(path, model=model)
    assert path.read_bytes() == before


# The guards the service shares with the web app (concerted.httpguard), attack by attack.


def test_service_refuses_a_time_too_large_for_a_float(tmp_path, model):
    with serve(create_app(tmp_path / "s.db", model=model)) as client:
        body = b'{"id": "t1", "time": 1' + b"0" * 400 + b"}"  # 10**400
        r = client.post(
            "/v1/registrations", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_registration"
        assert "time is not between 1970 and 2100" in r.json()["error"]["message"]
        assert client.get("/v1/summary").json()["registrations"] == 0


def test_service_refuses_json_nested_too_deeply(tmp_path, model):
    # 200 KB: over the default limit, so the limit is raised to reach the parser.
    with serve(create_app(tmp_path / "s.db", model=model, max_body_bytes=1 << 20)) as client:
        body = b'{"id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        r = client.post(
            "/v1/registrations", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["message"] == (
            "the body is JSON nested too deeply: send a flat JSON object"
        )


def test_service_refuses_a_body_over_its_limit_declared_or_not(tmp_path, model):
    with serve(create_app(tmp_path / "s.db", model=model, max_body_bytes=1000)) as client:
        big = json.dumps({**GENUINE, "padding": "x" * 2000}).encode()
        declared = client.post(
            "/v1/registrations", content=big, headers={"content-type": "application/json"}
        )
        assert declared.status_code == 413
        assert declared.json()["error"] == {
            "code": "too_large",
            "message": "The request body is larger than the limit of 1,000 bytes.",
            "details": [],
        }
        # Sent in chunks with no length: counted as it arrives, refused all the same.
        chunked = client.post(
            "/v1/registrations",
            content=iter([big[:600], big[600:]]),
            headers={"content-type": "application/json"},
        )
        assert chunked.status_code == 413 and chunked.json()["error"]["code"] == "too_large"
        assert client.post("/v1/registrations", json=GENUINE).status_code == 200
        assert client.get("/v1/summary").json()["registrations"] == 1


def test_service_answers_only_its_own_host_names(tmp_path, model):
    with serve(create_app(tmp_path / "s.db", model=model)) as client:
        rebound = client.post("/v1/registrations", json=GENUINE, headers={"host": "evil.example"})
        assert rebound.status_code == 421 and rebound.json()["error"]["code"] == "wrong_host"
        assert client.get("/v1/health", headers={"host": "localhost:8000"}).status_code == 200
        assert client.get("/v1/summary").json()["registrations"] == 0
    with TestClient(
        create_app(tmp_path / "t.db", model=model, host="127.0.0.2"),
        base_url="http://127.0.0.2:8000",
    ) as client:  # its own address, bound with --host
        assert client.get("/v1/health").status_code == 200


def test_service_refuses_a_post_another_site_could_forge(tmp_path, model):
    with serve(create_app(tmp_path / "s.db", model=model)) as client:
        # What a form or a simple fetch of another site sends: no preflight, so no consent.
        for media in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"content-type": media} if media else {}
            r = client.post("/v1/registrations", content=json.dumps(GENUINE), headers=headers)
            assert r.status_code == 415, r.text
            assert r.json()["error"]["code"] == "unsupported_media_type"
        assert client.get("/v1/summary").json()["registrations"] == 0
        ok = client.post(
            "/v1/registrations",
            content=json.dumps(GENUINE),
            headers={"content-type": "application/json; charset=utf-8"},
        )
        assert ok.status_code == 200
        assert ok.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in ok.headers["content-security-policy"]


def test_service_answers_a_bug_as_json_not_plain_text(tmp_path, model):
    app = create_app(tmp_path / "s.db", model=model)

    async def broken(reg):
        raise RuntimeError("a bug with a secret /home/path in it")

    with serve(app) as client:
        app.state.live.score = broken
        r = client.post("/v1/registrations", json=GENUINE)
        assert r.status_code == 500 and r.headers["content-type"] == "application/json"
        assert r.json()["error"]["code"] == "internal_error"
        assert "secret" not in r.text and "Traceback" not in r.text
