"""httpguard.guarded_app(): a new app gets the guards and the one error shape in one call."""

from fastapi.testclient import TestClient

from concerted.errors import ParameterError
from concerted.httpguard import allowed_hosts, guarded_app


class Gone(ParameterError):
    http_status = 404


def test_httpguard_guarded_app_guards_and_answers_errors_in_one_shape():
    app = guarded_app(
        title="t",
        version="1",
        hosts=allowed_hosts("127.0.0.1"),
        messages={404: lambda request: f"Nothing at {request.url.path}."},
        write_media_type="application/json",
    )

    @app.get("/bad")
    def bad():
        raise ParameterError("n must be >= 1. Got 0.")

    @app.get("/gone")
    def gone():
        raise Gone("Run r1 is gone.")

    @app.get("/typed")
    def typed(n: int):
        return {"n": n}

    @app.post("/write")
    def write():
        return {}

    client = TestClient(app, base_url="http://127.0.0.1")
    assert client.get("/bad").json() == {
        "error": {"code": "bad_request", "message": "n must be >= 1. Got 0.", "details": []}
    }
    answer = client.get("/gone")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Nothing at /nope."
    invalid = client.get("/typed?n=x")
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid"
    assert client.get("/typed?n=2").headers["x-frame-options"] == "DENY"
    assert client.post("/write", content=b"x").status_code == 415  # the guard's own check
    assert client.post("/write", json={}).status_code == 200
    elsewhere = TestClient(app, base_url="http://evil.example")
    assert elsewhere.get("/typed?n=2").status_code == 421
