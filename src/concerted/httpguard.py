"""The guards every HTTP surface of concerted shares: the web app (``concerted serve``) and the
sign-up service (``concerted serve signups``) both run behind one :class:`HttpGuard`.

Why one module: each guard below was first written for one app and then found missing in the
other. Kept here, both get the same rules and the same tests:

* **Host check** (no DNS rebinding): a server listening on a loopback address answers only
  requests addressed to a loopback name or to the address it listens on. A page on another site
  whose name the attacker re-points at 127.0.0.1 sends its own name as ``Host`` and is refused.
* **Token**, when one is set, on every request (``Authorization: Bearer`` or the login cookie),
  with a limit on wrong attempts per client: after ``max_token_failures`` wrong tokens within
  ``failure_window_seconds`` the client is answered 429 until the window has passed.
* **Writes that another site cannot forge** (no cross-site request forgery): a request that is not
  GET/HEAD/OPTIONS must carry a custom header or a JSON content type. Browsers send neither
  cross-site without asking the server first (CORS preflight), which these servers never grant.
* **A size limit on every request body**, counted as it arrives (a chunked body without a length
  is counted too), so no request can fill the memory or the disk.
* **Security headers** on every answer.
* **One error shape**, ``{"error": {"code", "message", "details"}}``, and a catch-all: whatever
  goes wrong inside, a request never gets a plain-text 500 or a traceback; the traceback goes to
  the server's log.

:func:`guarded_app` gives a new app all of this in one call: a FastAPI app behind the guard, its
errors (a :class:`~concerted.errors.ConcertedError`, an invalid request, a missing page) answered
in the one shape.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import json
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ConcertedError, ParameterError

if TYPE_CHECKING:
    from fastapi import FastAPI

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
MIN_TOKEN_CHARS = 16
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# For JSON answers: nothing may load, nothing may frame them. An app with pages passes its own.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

# The code of an HTTP error in the one shape, by status.
HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
}

log = logging.getLogger("concerted.http")


def _now() -> float:
    """The clock of the token-failure limit (a function, so that a test can move it)."""
    return time.monotonic()


def error_body(code: str, message: str, details: list | None = None) -> dict:
    """The one error shape of concerted's HTTP surfaces."""
    return {"error": {"code": code, "message": message, "details": details or []}}


def json_error(status: int, code: str, message: str, details: list | None = None) -> Response:
    """An error answered as JSON in the one shape."""
    return JSONResponse(error_body(code, message, details), status_code=status)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address to listen on) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind_host: str) -> frozenset[str] | None:
    """The ``Host`` names a server listening on ``bind_host`` answers: for a loopback address,
    the loopback names and that address itself (``--host 127.0.0.2`` answers its own URL);
    otherwise None, any name (such a server needs a token, which guards it instead).

    >>> sorted(allowed_hosts("127.0.0.2"))
    ['127.0.0.1', '127.0.0.2', '::1', 'localhost']
    >>> allowed_hosts("0.0.0.0") is None
    True
    """
    if not is_loopback(bind_host):
        return None
    return LOOPBACK_NAMES | {bind_host.strip("[]").lower()}


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port and brackets, lower-cased.

    >>> host_name("[::1]:8000"), host_name("LocalHost:80"), host_name("127.0.0.2")
    ('::1', 'localhost', '127.0.0.2')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, ready for the server to serve on (``uvicorn.Server(...)
    .run(sockets=[...])``): bound before anything is printed, so that a port in use or an address
    this machine does not have is a clear :class:`ParameterError` rather than a URL that leads
    nowhere.

    >>> s = listen("127.0.0.1", 0)
    >>> listen("127.0.0.1", s.getsockname()[1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: Cannot listen on 127.0.0.1 port ...: the port is in use. Choose another --port, or stop what uses it.
    >>> s.close()
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        why = (
            "the port is in use. Choose another --port, or stop what uses it"
            if exc.errno == errno.EADDRINUSE
            else f"{exc.strerror or exc}. Check --host and --port"
        )
        raise ParameterError(f"Cannot listen on {host} port {port}: {why}.") from None
    sock.set_inheritable(True)
    return sock


def check_token(token: str | None) -> None:
    """Refuse a token too short to resist guessing (at start, before anything is served)."""
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ParameterError(
            f"The token must be at least {MIN_TOKEN_CHARS} characters long; got {len(token)}. "
            "Make one with: openssl rand -hex 16"
        )


def load_json(body: bytes) -> Any:
    """The JSON document in a request body. Raises ValueError with a message a client can act on,
    also for a document nested too deeply for the parser (which would otherwise crash it)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("the body is JSON nested too deeply: send a flat JSON object") from None
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body is not JSON: send a JSON object") from None


def size_text(n: int) -> str:
    """A byte count as a person reads it.

    >>> size_text(1 << 30), size_text(65536), size_text(100)
    ('1,024 MB', '64 KB', '100 bytes')
    """
    if n >= 1 << 20:
        return f"{n / 2**20:,.0f} MB"
    if n >= 1 << 10:
        return f"{n / 2**10:,.0f} KB"
    return f"{n:,} bytes"


class BodyTooLarge(Exception):
    """A request body went past its limit while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than the limit of {size_text(limit)}.")
        self.limit = limit


class _Failures:
    """Wrong-token attempts per client within a sliding window."""

    MAX_CLIENTS = 10_000  # beyond this, clients with no recent failure are forgotten

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self.seen.get(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked_for(self, client: str) -> float:
        """Seconds until ``client`` may try again (0: it may now)."""
        now = _now()
        times = self._recent(client, now)
        if len(times) < self.limit:
            return 0.0
        return max(times[0] + self.window - now, 1.0)

    def record(self, client: str) -> None:
        now = _now()
        if len(self.seen) >= self.MAX_CLIENTS:
            self.seen = {c: t for c, t in self.seen.items() if self._recent(c, now)}
        times = self._recent(client, now)
        times.append(now)
        self.seen[client] = times


ErrorRenderer = Callable[[Request, int, str, str], Response]


class HttpGuard:
    """ASGI middleware that applies the guards of this module before the app sees a request.

    Parameters
    ----------
    hosts
        The ``Host`` names answered (:func:`allowed_hosts`); None answers any.
    token
        If set, required on every request but those to ``token_exempt`` paths.
    write_header
        ``(name, value)``: a header every write must carry (the web app's pages send it).
    write_media_type
        A content type every write must declare (``application/json`` for the service).
    max_body_bytes, body_limits
        The largest request body; ``body_limits`` maps a path prefix to its own limit (uploads).
    csp
        The Content-Security-Policy of every answer.
    render_error
        How to answer an error (an HTML page for a browser, say); JSON in the one shape if None.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: Collection[str] | None,
        token: str | None = None,
        token_exempt: Collection[str] = (),
        write_header: tuple[str, str] | None = None,
        write_media_type: str | None = None,
        max_body_bytes: int = 1 << 20,
        body_limits: Mapping[str, int] | None = None,
        csp: str = API_CSP,
        render_error: ErrorRenderer | None = None,
        max_token_failures: int = 10,
        failure_window_seconds: float = 60.0,
    ) -> None:
        self.app = app
        self.hosts = None if hosts is None else frozenset(h.lower() for h in hosts)
        self.token = token
        self.token_exempt = frozenset(token_exempt)
        self.write_header = write_header
        self.write_media_type = write_media_type
        self.max_body_bytes = max_body_bytes
        self.body_limits = dict(body_limits or {})
        self.headers = [
            (k.lower().encode(), v.encode())
            for k, v in {"Content-Security-Policy": csp, **SECURITY_HEADERS}.items()
        ]
        self.render_error = render_error
        self.failures = _Failures(max_token_failures, failure_window_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await self._answer(request, *refusal)(scope, receive, send_with_headers)
            return
        limit = self._limit(request.url.path)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            too_big = BodyTooLarge(limit)
            await self._answer(request, 413, "too_large", str(too_big))(
                scope, receive, send_with_headers
            )
            return
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, receive_counted, send_with_headers)
        except BodyTooLarge as exc:
            if not started:
                await self._answer(request, 413, "too_large", str(exc))(
                    scope, receive, send_with_headers
                )
        except ClientDisconnect:
            pass  # nobody is left to answer
        except Exception:
            log.exception("Unexpected error answering %s %s", request.method, request.url.path)
            if not started:
                await json_error(
                    500,
                    "internal_error",
                    "The server failed to answer this request (a bug in concerted; its log has "
                    "the details). Nothing was changed by it unless the answer says otherwise.",
                )(scope, receive, send_with_headers)

    def _limit(self, path: str) -> int:
        for prefix, limit in self.body_limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    def _answer(
        self, request: Request, status: int, code: str, message: str, headers: dict | None = None
    ) -> Response:
        try:
            response = (
                self.render_error(request, status, code, message)
                if self.render_error
                else json_error(status, code, message)
            )
        except Exception:  # a page that cannot render must not hide the error itself
            log.exception("Cannot render the error page")
            response = json_error(status, code, message)
        response.headers.update(headers or {})
        return response

    def _refusal(self, request: Request) -> tuple | None:
        """(status, code, message[, headers]) if the request is refused before the app sees it."""
        if self.hosts is not None:
            host = host_name(request.headers.get("host", ""))
            if host not in self.hosts:
                names = ", ".join(sorted(self.hosts - {"::1"}))
                return (
                    421,
                    "wrong_host",
                    f"This server answers only requests addressed to {names}; this one was "
                    f"addressed to {host or 'no host'!r}.",
                )
        if self.token and request.url.path not in self.token_exempt:
            client = request.client.host if request.client else "unknown"
            wait = self.failures.blocked_for(client)
            if wait:
                return (
                    429,
                    "too_many_attempts",
                    f"Too many wrong tokens from this address; try again in {wait:.0f} s.",
                    {"Retry-After": str(int(wait + 0.999))},
                )
            given = _given_token(request)
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                if given:  # a guess; a request with no token at all is only refused
                    self.failures.record(client)
                return (
                    401,
                    "unauthorized",
                    "This server needs its token: open the link `concerted serve` printed, or "
                    "send Authorization: Bearer TOKEN.",
                )
        if request.method not in SAFE_METHODS:
            if self.write_header:
                name, value = self.write_header
                if request.headers.get(name) != value:
                    return (
                        403,
                        "forbidden",
                        f"Requests that change anything must carry the header {name}: {value} "
                        "(the app's pages do; another site's cannot).",
                    )
            if self.write_media_type:
                media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
                if media != self.write_media_type:
                    return (
                        415,
                        "unsupported_media_type",
                        f"Send the body as {self.write_media_type} (with that Content-Type "
                        f"header); got {media or 'no content type'!r}.",
                    )
        return None


def _given_token(request: Request) -> str:
    """The token a request carries: its bearer token, else the cookie /login set."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:]
    return request.cookies.get("concerted_token", "")


def guarded_app(
    *,
    title: str,
    version: str,
    hosts: Collection[str] | None,
    render_error: ErrorRenderer | None = None,
    messages: Mapping[int, Callable[[Request], str]] | None = None,
    lifespan: Any = None,
    **guard: Any,
) -> FastAPI:
    """A FastAPI app behind :class:`HttpGuard`, every error answered in the one shape.

    Parameters
    ----------
    title, version, lifespan
        As for :class:`fastapi.FastAPI` (its documentation pages are off: they load scripts
        from a CDN).
    hosts, render_error, **guard
        The guard's parameters (see :class:`HttpGuard`); ``render_error`` answers the app's own
        errors too (JSON in the one shape if None).
    messages
        The message of an HTTP error by status (``{404: lambda request: ...}``); the error's own
        detail otherwise.

    A :class:`~concerted.errors.ConcertedError` raised by a route is answered with its message
    and the status of its ``http_status`` attribute (400 if it has none); an invalid request 422
    with what is wrong in it.
    """
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    def answer(request: Request, status: int, code: str, message: str) -> Response:
        if render_error is None:
            return json_error(status, code, message)
        return render_error(request, status, code, message)

    app = FastAPI(title=title, version=version, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(HttpGuard, hosts=hosts, render_error=render_error, **guard)
    texts = dict(messages or {})

    @app.exception_handler(ConcertedError)
    async def concerted_error(request: Request, exc: ConcertedError):
        status = getattr(exc, "http_status", 400)
        return answer(request, status, HTTP_CODES.get(status, "bad_request"), str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        where = "; ".join(
            f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        )
        return answer(request, 422, "invalid", f"The request is not valid ({where}).")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        status = exc.status_code
        message = texts[status](request) if status in texts else str(exc.detail)
        return answer(request, status, HTTP_CODES.get(status, "error"), message)

    return app
