"""The recorded exchanges in ../shared/real-traffic, read once for the fidelity tests.

Each :class:`Recorded` is one interaction with its cassette's name, its decoded request
and response (JSON or the SSE events), and the endpoint as the derived schemas name it.
The folder is only in the development workspace: :data:`SKIP_REASON` says so for a
``pytest.mark.skipif``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mockapi.library import store
from mockapi.model import SSEEvent
from mockapi.recording.cassettes import Interaction, interactions
from mockapi.wire.sse import decode_events
from tests.helpers import SHARED

TRAFFIC = SHARED / "real-traffic"
ABSENT = not TRAFFIC.is_dir()
SKIP_REASON = f"{TRAFFIC} is absent (the shared real-traffic folder, only in the dev workspace)"

CHAT = "POST /v1/chat/completions"
RESPONSES = "POST /v1/responses"


@dataclass(frozen=True)
class Recorded:
    """One recorded exchange, decoded."""

    name: str  # "cassette.yaml#index"
    endpoint: str  # "POST /v1/chat/completions", "GET /v1/models/{model}", ...
    item: Interaction

    @property
    def request(self) -> dict[str, Any]:
        body = self.item.request_json
        return dict(body) if isinstance(body, dict) else {}

    @property
    def status(self) -> int:
        return self.item.status

    @property
    def streamed(self) -> bool:
        return self.item.content_type.startswith("text/event-stream")

    @property
    def events(self) -> list[SSEEvent]:
        """The stream's events (``[DONE]`` included), for a streamed answer."""
        return list(decode_events(self.item.body))

    @property
    def json(self) -> Any:
        """The answer's JSON body (not for streams)."""
        return json.loads(self.item.body)

    @property
    def event_data(self) -> list[dict[str, Any]]:
        """The JSON data of each stream event, ``[DONE]`` left out."""
        return [e.data for e in self.events if isinstance(e.data, dict)]


def endpoint_of(item: Interaction) -> str:
    """The endpoint key of the derived schemas for a recorded request."""
    if re.fullmatch(r"/v1/models/[^/]+", item.path):
        return "GET /v1/models/{model}"
    return f"{item.method} {item.path}"


@cache
def recorded() -> tuple[Recorded, ...]:
    """Every recorded exchange, in cassette order (empty when the folder is absent)."""
    found: list[Recorded] = []
    for path in sorted(Path(TRAFFIC).glob("*/*.y*ml")):
        for item in interactions(store.read_yaml(path)):
            assert isinstance(item, Interaction), f"{path}: {item}"
            found.append(Recorded(f"{path.name}#{item.index}", endpoint_of(item), item))
    return tuple(found)


def successful(endpoint: str) -> list[Recorded]:
    """The recorded exchanges of ``endpoint`` that answered 200."""
    return [r for r in recorded() if r.endpoint == endpoint and r.status == 200]
