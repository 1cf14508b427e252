"""A relayed stream's chunks decoded as they go out: the same events, gaps and verdict as
decoding the whole answer at its end."""

from __future__ import annotations

from mockapi.recording.stream import Arrivals

CHUNKS = [
    (10.0010, b'data: {"a": 1}\n\n'),
    (10.0060, b'data: {"b": '),  # an event split across two chunks
    (10.0110, b'2}\n\ndata: {"c": 3}\n\n'),
    (10.0500, b"data: [DONE]"),  # its blank line only at the end of the stream
]


def arrivals(*, step: bool, ended: bool = True) -> Arrivals:
    stream = Arrivals(started=10.0)
    for arrived in CHUNKS:
        stream.chunks.append(arrived)
        if step:
            stream.decode_arrived()
    stream.ended = ended
    return stream


def test_decoding_each_chunk_once_out_gives_what_decoding_at_the_end_gives() -> None:
    stepwise, at_end = arrivals(step=True), arrivals(step=False)
    events = stepwise.events()
    assert events == at_end.events()
    assert [e.data for e in events] == [{"a": 1}, {"b": 2}, {"c": 3}, "[DONE]"]
    # Each event's gap runs from the chunk that completed the one before it; one that
    # only the stream's end completes has none.
    assert [e.delay for e in events] == [0.001, 0.01, 0.0, 0.0]
    assert stepwise.events() is events  # asked again: the same list


def test_a_stream_the_upstream_did_not_end_keeps_its_unfinished_event_out() -> None:
    cut = arrivals(step=True, ended=False)
    assert [e.data for e in cut.events()] == [{"a": 1}, {"b": 2}, {"c": 3}]
