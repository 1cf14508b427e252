"""Server-sent events: framing on the way out, tolerant parsing on the way in.

Encoding writes what the OpenAI API writes: ``data: <compact JSON>\\n\\n`` (no spaces
after ``,`` and ``:``, non-ASCII left as is, keys in the order given), an ``event:``
line first for named events (the Responses API), and literal strings such as
``[DONE]`` as they are.

Decoding follows the WHATWG rules (CRLF, CR or LF line ends; ``:`` comments; several
``data:`` lines joined with ``\\n``; one optional space after the colon) with one
leniency: a last event that the stream never closed with a blank line is still
yielded, because a recording cut short is better kept than dropped.

``json.dumps`` is used rather than orjson because orjson differs byte for byte on
small floats (``1e-05`` is written ``0.00001``) and rejects integers beyond 64 bits.
"""

from __future__ import annotations

import codecs
import json
import re

from mockapi.model import JSON, SSEEvent
from mockapi.wire import jsonbody

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# ``json.dumps`` with these arguments builds this encoder on every call; built once here.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_json(value: JSON) -> str:
    """``value`` as compact JSON, the way the API writes it."""
    return _COMPACT.encode(value)


def encode_event(event: SSEEvent) -> bytes:
    """The wire bytes of one event, ending with the blank line that dispatches it.

    String data is written as is, one ``data:`` line per line of text; any other value
    is written as compact JSON. Raises ``ValueError`` for an event name with a line
    break or data that JSON cannot represent (NaN, infinity).
    """
    head = ""
    if event.event is not None:
        if _LINE_BREAK.search(event.event):
            raise ValueError(f"SSE event name must be one line, got {event.event!r}")
        head = f"event: {event.event}\n"
    if isinstance(event.data, str):
        lines = "".join(f"data: {line}\n" for line in _LINE_BREAK.split(event.data))
    else:
        try:
            text = encode_json(event.data)
        except ValueError as exc:
            raise ValueError(f"SSE data is not representable as JSON: {exc}") from exc
        lines = f"data: {text}\n"  # JSON text is one line: JSON escapes CR and LF
    return f"{head}{lines}\n".encode()


def decode_data(text: str) -> JSON:
    """The value of a ``data`` field: decoded JSON, else the text itself.

    A payload that is a JSON *string* (``"hi"`` with the quotes) stays as the raw text,
    quotes included, so that encoding it again gives the same bytes.
    """
    try:
        value = jsonbody.loads(text)  # strict: json.loads would accept NaN and Infinity
    except jsonbody.NotJSON:
        return text
    return text if isinstance(value, str) else value


def decode_events(raw: str | bytes) -> list[SSEEvent]:
    """All events in a complete SSE body (``delay`` is 0 for each)."""
    decoder = SSEDecoder()
    events = decoder.feed(raw.encode("utf-8") if isinstance(raw, str) else raw)
    return events + decoder.close()


class SSEDecoder:
    """An incremental SSE parser for bytes as they arrive from a socket.

    Chunk boundaries may fall anywhere: inside a line, between the CR and LF of a line
    end, or inside a multi-byte UTF-8 character. Bytes that are not valid UTF-8 become
    U+FFFD, as the WHATWG rules say. ``feed`` returns the events that the new bytes
    completed; ``close`` flushes what is left, including an unterminated last event.
    """

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._started = False
        self._after_cr = False
        self._data: list[str] = []
        self._event: str | None = None
        self._closed = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse ``chunk``; return the events it completed, in order."""
        if self._closed:
            raise ValueError("SSEDecoder.feed() called after close()")
        return self._consume(self._utf8.decode(chunk, final=False))

    def close(self) -> list[SSEEvent]:
        """End of stream: parse the pending partial line and yield a pending event."""
        if self._closed:
            return []
        events = self._consume(self._utf8.decode(b"", final=True))
        self._closed = True
        if self._buffer:
            line, self._buffer = self._buffer, ""
            events.extend(self._line(line))
        events.extend(self._dispatch())
        return events

    def _consume(self, text: str) -> list[SSEEvent]:
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if self._after_cr and text:
            # The previous chunk ended with CR: an LF right here belongs to that line end.
            self._after_cr = False
            text = text.removeprefix("\n")
        self._buffer += text
        events: list[SSEEvent] = []
        start = 0
        for match in _LINE_BREAK.finditer(self._buffer):
            if match.group() == "\r" and match.end() == len(self._buffer):
                self._after_cr = True
            events.extend(self._line(self._buffer[start : match.start()]))
            start = match.end()
        self._buffer = self._buffer[start:]
        return events

    def _line(self, line: str) -> list[SSEEvent]:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return []
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        # "id", "retry" and unknown fields are ignored: mockapi does not replay them.
        return []

    def _dispatch(self) -> list[SSEEvent]:
        data, event = self._data, self._event
        self._data, self._event = [], None
        if not data:
            return []
        return [SSEEvent(data=decode_data("\n".join(data)), event=event or None)]
