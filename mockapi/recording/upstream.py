"""The upstream client: forwards a request to the real API (or a compatible one) with httpx.

One of the two modules that import ``httpx`` (the other delivers webhooks,
:mod:`mockapi.web.webhooks`). The client is created on first use, so
a server that never proxies (record mode ``none``) never opens an upstream socket.
Failures to reach the upstream become :class:`~mockapi.errors.APIError` answers in
OpenAI's shape: 502 when the upstream cannot be reached or spoke garbage, 504 when it
timed out, naming the upstream and the cause.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from mockapi.errors import APIError, UpstreamStreamError
from mockapi.model import Request

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


@dataclass
class UpstreamResponse:
    """An open upstream response: status and headers now, the body as it arrives."""

    status: int
    headers: list[tuple[str, str]]
    _response: httpx.Response

    @property
    def content_type(self) -> str:
        return str(self._response.headers.get("content-type", ""))

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body bytes as they arrive; raises :class:`UpstreamStreamError` if it breaks."""
        try:
            async for chunk in self._response.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:
            raise UpstreamStreamError(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        await self._response.aclose()


class Upstream:
    """Forwards requests to ``base_url``; one pooled client for the server's lifetime."""

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
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._client: httpx.AsyncClient | None = None

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

    async def open(self, request: Request) -> UpstreamResponse:
        """Send ``request`` upstream and return once the status and headers arrived."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        url = self.url_for(request.path)
        outgoing = self._client.build_request(
            request.method,
            url,
            params=list(request.query),
            headers=self._headers(request.headers),
            content=request.body or None,
        )
        try:
            response = await self._client.send(outgoing, stream=True)
        except httpx.TimeoutException as exc:
            raise _failure(
                504, f"Timed out waiting for the upstream {self.base_url}", exc
            ) from None
        except httpx.ConnectError as exc:
            cause = "TLS handshake failed" if _is_tls(exc) else "could not connect"
            raise _failure(502, f"Upstream {self.base_url} unreachable: {cause}", exc) from None
        except httpx.HTTPError as exc:
            raise _failure(502, f"Upstream {self.base_url} failed", exc) from None
        return UpstreamResponse(response.status_code, list(response.headers.items()), response)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


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
