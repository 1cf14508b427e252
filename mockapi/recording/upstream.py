"""The upstream client: forwards a request to the real API (or a compatible one) with aiohttp.

aiohttp, not httpx (which :mod:`mockapi.web.webhooks` still uses): a proxied request
costs ~0.2 ms of CPU with it against ~1.2 ms with ``httpx.AsyncClient`` (its models,
cookie jar and h11 in pure Python), measured against the fake upstream on one machine;
the proxy's whole added latency budget is 2 ms. One session for the server's lifetime:
connections are reused (keep-alive), cookies are neither kept nor sent (a
:class:`aiohttp.DummyCookieJar`: one client's upstream cookies are no other client's
business), no redirect is followed, the body is relayed as it arrives, undecoded.

The session is created on first use (aiohttp is imported then: a server that never
proxies, record mode ``none``, neither pays for the import nor opens a socket). What
httpx took from the environment is kept: the proxy for the upstream's URL
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), looked up once, and the
certificates trusted (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's), from
:func:`httpx.create_ssl_context`.

Failures to reach the upstream become :class:`~mockapi.errors.APIError` answers in
OpenAI's shape: 502 when the upstream cannot be reached or spoke garbage, 504 when it
timed out, naming the upstream and the cause.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from mockapi.errors import APIError, UpstreamStreamError
from mockapi.model import Request

if TYPE_CHECKING:
    import aiohttp

UPSTREAM_ERROR = "upstream_error"

# Headers that describe one hop, not the request: never forwarded.
_HOP_BY_HOP = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
        "accept-encoding",
    }
)
MAX_CONNECTIONS = 100
"""Upstream connections open at once (more requests wait for one), as httpx's default."""
LARGE_BODY = 1 << 20
"""A request body larger than this (an upload) is written upstream in slices of it."""


@dataclass
class UpstreamResponse:
    """An open upstream response: status and headers now, the body as it arrives.

    ``headers`` has lower-case names, a repeated one's values joined with ``", "``.
    ``response`` is the client's response the body is read from (None: no body).
    """

    status: int
    headers: list[tuple[str, str]]
    response: aiohttp.ClientResponse | None = None
    _read: bool = field(default=False, init=False)

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name == "content-type":
                return value
        return ""

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body bytes as they arrive; raises :class:`UpstreamStreamError` if it breaks."""
        if self.response is None:
            return
        import aiohttp

        try:
            async for chunk in self.response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise UpstreamStreamError(f"{type(exc).__name__}: {exc}") from exc
        self._read = True

    async def close(self) -> None:
        """Give the connection back: kept alive when the body was read to its end,
        closed otherwise (the rest of an abandoned answer would come down it)."""
        if self.response is not None:
            if self._read:
                self.response.release()
            else:
                self.response.close()


class Upstream:
    """Forwards requests to ``base_url``; one pooled session for the server's lifetime."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 600.0,
        connect_timeout: float = 10.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"upstream URL must be http(s)://host[:port][/path], got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._base_path = parts.path.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncGenerator[None] | None = None
        self._proxy = _env_proxy(self.base_url)

    def url_for(self, path: str) -> str:
        """The upstream URL for a request path; ``…/v1`` + ``/v1/x`` gives ``…/v1/x``."""
        if self._base_path and path.startswith(self._base_path + "/"):
            path = path[len(self._base_path) :]
        return self.base_url + path

    def _headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
        out["accept-encoding"] = "identity"  # the recorder reads the body as sent
        if self._api_key is not None:
            out = {k: v for k, v in out.items() if k.lower() != "authorization"}
            out["authorization"] = f"Bearer {self._api_key}"
        return out

    async def _client(self) -> aiohttp.ClientSession:
        """The session of this event loop (made on first use; a session serves the
        loop it was made on, so a server restarted on another loop gets a new one)."""
        loop = asyncio.get_running_loop()
        if self._session is not None and self._loop is loop and not self._session.closed:
            return self._session
        import aiohttp
        import httpx

        connector = aiohttp.TCPConnector(ssl=httpx.create_ssl_context(), limit=MAX_CONNECTIONS)
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            # Per request, as httpx's: to connect, then between two reads of the answer.
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=self._connect_timeout, sock_read=self._timeout
            ),
            # No content type is made up for a body that came without one.
            skip_auto_headers=("Content-Type",),
        )
        self._loop = loop
        # Closed on this loop when it shuts down (asyncio.run closes the async
        # generators still open then): else aiohttp warns of an unclosed session.
        self._closer = _close_at_shutdown(self._session)
        await anext(self._closer)
        return self._session

    async def open(self, request: Request) -> UpstreamResponse:
        """Send ``request`` upstream and return once the status and headers arrived."""
        import aiohttp
        from yarl import URL  # aiohttp's URL type

        session = await self._client()
        url = URL(self.url_for(request.path))
        if request.query:  # encoded as httpx did (quote_plus), kept as it is by yarl
            url = URL(f"{url}?{urlencode(list(request.query))}", encoded=True)
        headers = self._headers(request.headers)
        data: bytes | AsyncIterator[memoryview] | None = request.body or None
        if len(request.body) > LARGE_BODY:  # an upload: sent a slice at a time
            headers["content-length"] = str(len(request.body))
            data = _slices(request.body)
        try:
            response = await session.request(
                request.method,
                url,
                headers=headers,
                data=data,
                allow_redirects=False,
                proxy=self._proxy,
            )
        except asyncio.TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise _failure(
                504, f"Timed out waiting for the upstream {self.base_url}", exc
            ) from None
        except aiohttp.ClientConnectorError as exc:
            cause = "TLS handshake failed" if _is_tls(exc) else "could not connect"
            raise _failure(502, f"Upstream {self.base_url} unreachable: {cause}", exc) from None
        except aiohttp.ClientError as exc:
            raise _failure(502, f"Upstream {self.base_url} failed", exc) from None
        return UpstreamResponse(response.status, _joined(response.headers.items()), response)

    async def close(self) -> None:
        """Close the upstream connections (on the loop that opened them)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _close_at_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None]:
    try:
        yield
    finally:
        await session.close()


async def _slices(body: bytes) -> AsyncIterator[memoryview]:
    view = memoryview(body)
    for start in range(0, len(view), LARGE_BODY):
        yield view[start : start + LARGE_BODY]


def _env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``NO_PROXY`` heeded), or None."""
    parts = urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parts.scheme) or proxies.get("all")


def _joined(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Lower-case names, a repeated header's values joined with ``", "`` (as httpx did)."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return list(joined.items())


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "SSL" in type(seen).__name__:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _failure(status: int, summary: str, exc: BaseException) -> APIError:
    detail = str(exc) or type(exc).__name__
    return APIError(
        status,
        f"{summary} ({type(exc).__name__}: {detail}). Check --upstream and that the upstream is "
        "up, or replay without it (--record none).",
        type=UPSTREAM_ERROR,
        code="upstream_timeout" if status == 504 else "upstream_unreachable",
    )
