"""A relayed SSE answer as captured: its chunks as they arrived, decoded after the answer.

Relaying a chunk only notes it (and when it came): the decoding, and the verdict on
whether the stream was complete, wait until the answer is over, so that no event reaches
the client later for it.
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

    @property
    def size(self) -> int:
        return sum(len(chunk) for _, chunk in self.chunks)

    def events(self) -> list[SSEEvent]:
        """The events, each with the gap before it (seconds, rounded to 0.1 ms): the
        time between the chunks the event and the one before it completed in."""
        decoder = SSEDecoder()
        events: list[SSEEvent] = []
        last = self.started
        for now, chunk in self.chunks:
            decoded = decoder.feed(chunk)
            for index, event in enumerate(decoded):
                gap = now - last if index == 0 else 0.0
                events.append(SSEEvent(event.data, event.event, round(gap, 4)))
            if decoded:
                last = now
        if self.ended:
            events.extend(decoder.close())
        return events


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
