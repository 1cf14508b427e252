"""A relayed SSE answer as captured: its chunks as they arrived, decoded once relayed.

Relaying a chunk only notes it (and when it came) before it goes out; it is decoded
after, while the relay waits for the next one (:meth:`Arrivals.decode_arrived`), so that
no event reaches the client later for it and little is left to do when the answer ends,
the moment a client's next request comes. Whether the stream was complete is told once
it is over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mockapi.model import SSEEvent
from mockapi.wire.sse import SSEDecoder

# Terminal events of a stream: without one, a stream is treated as cut short.
# (Responses; streamed transcriptions, speech and images, which send no [DONE].)
TERMINAL_TYPES = frozenset(
    {
        "response.completed",
        "response.failed",
        "response.incomplete",
        "transcript.text.done",
        "speech.audio.done",
        "image_generation.completed",
        "image_edit.completed",
    }
)


@dataclass
class Arrivals:
    """An SSE answer's chunks, each with the ``time.monotonic()`` it arrived at."""

    started: float
    """When the relay started (the first event's gap is counted from it)."""
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    ended: bool = False
    """The upstream ended the stream (else the client left first)."""
    _decoder: SSEDecoder = field(default_factory=SSEDecoder, repr=False)
    _decoded: list[SSEEvent] = field(default_factory=list, repr=False)
    _done: int = 0  # chunks decoded so far
    _last: float = field(init=False)  # when the last chunk that completed an event came
    _events: list[SSEEvent] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._last = self.started  # the first event's gap is counted from the start

    @property
    def size(self) -> int:
        return sum(len(chunk) for _, chunk in self.chunks)

    def decode_arrived(self) -> None:
        """Decode the chunks that arrived since the last call (the relay calls it after
        each chunk has gone out)."""
        last = self._last
        for now, chunk in self.chunks[self._done :]:
            decoded = self._decoder.feed(chunk)
            for index, event in enumerate(decoded):
                gap = now - last if index == 0 else 0.0
                self._decoded.append(SSEEvent(event.data, event.event, round(gap, 4)))
            if decoded:
                last = now
        self._done, self._last = len(self.chunks), last

    def events(self) -> list[SSEEvent]:
        """The events, each with the gap before it (seconds, rounded to 0.1 ms): the
        time between the chunks the event and the one before it completed in. Asked
        once the answer is over (the same list each time)."""
        if self._events is None:
            self.decode_arrived()
            self._events = [*self._decoded, *(self._decoder.close() if self.ended else ())]
        return self._events


def finished(events: list[SSEEvent]) -> bool:
    """Whether ``events`` end with a terminal event (``[DONE]``, or one of
    :data:`TERMINAL_TYPES`): a stream without one was cut short."""
    for event in reversed(events):
        if event.is_done:
            return True
        kind = event.data.get("type") if isinstance(event.data, dict) else None
        if kind in TERMINAL_TYPES or event.event in TERMINAL_TYPES:
            return True
    return False
