"""Reading other tools' cassettes: VCR.py (plain, base64, gzip), pydantic-ai's
``parsed_body`` variant, and Ruby VCR. Pure: decoded YAML in, interactions out.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mockapi.errors import CassetteError
from mockapi.model import JSON


@dataclass(frozen=True)
class Interaction:
    """One recorded request and response, bodies decoded to bytes."""

    index: int
    method: str
    uri: str
    request_body: bytes
    request_json: JSON
    status: int
    headers: dict[str, str]
    body: bytes
    recorded_at: str | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.uri).hostname or ""

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path or "/"

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def interactions(document: Any) -> Iterator[Interaction | tuple[int, str]]:
    """Each interaction of a cassette, or ``(index, reason)`` for one that can't be read."""
    if not isinstance(document, dict):
        raise CassetteError("a cassette is a mapping with 'interactions' or 'http_interactions'")
    items = document.get("interactions", document.get("http_interactions"))
    if not isinstance(items, list):
        raise CassetteError("no 'interactions' (VCR.py) or 'http_interactions' (Ruby VCR) list")
    for index, item in enumerate(items):
        try:
            yield _interaction(index, item)
        except (KeyError, TypeError, ValueError, OSError, zlib.error) as exc:
            yield index, f"unreadable interaction ({type(exc).__name__}: {exc})"


def _interaction(index: int, item: Any) -> Interaction:
    request, response = item["request"], item["response"]
    headers = _headers(response.get("headers") or {})
    status = response["status"]
    code = int(status["code"] if isinstance(status, dict) else status)
    body = _body(response, headers)
    request_body = _body(request, _headers(request.get("headers") or {}))
    request_json: JSON = request.get("parsed_body")
    if request_json is None and request_body:
        try:
            request_json = json.loads(request_body)
        except ValueError:
            request_json = None
    return Interaction(
        index=index,
        method=str(request["method"]).upper(),
        uri=str(request["uri"]),
        request_body=request_body,
        request_json=request_json,
        status=code,
        headers=headers,
        body=body,
        recorded_at=str(item["recorded_at"]) if item.get("recorded_at") else None,
    )


def _headers(raw: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in raw.items():
        values = value if isinstance(value, list) else [value]
        out[str(name).lower()] = ", ".join(str(v) for v in values)
    return out


def _body(part: Mapping[str, Any], headers: Mapping[str, str]) -> bytes:
    """The body bytes as sent: parsed_body re-serialised, base64 and gzip undone."""
    if "parsed_body" in part:
        return json.dumps(part["parsed_body"]).encode()
    body = part.get("body")
    if isinstance(body, dict):
        if "base64_string" in body:  # Ruby VCR's binary form
            raw: Any = base64.b64decode(body["base64_string"])
        else:
            raw = body.get("string", b"")
    else:
        raw = body if body is not None else b""
    data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
    encoding = headers.get("content-encoding", "").lower()
    if "gzip" in encoding or data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    elif "deflate" in encoding:
        data = zlib.decompress(data)
    return data
