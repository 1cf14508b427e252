"""SSE framing and parsing: exact bytes out, WHATWG-tolerant parsing in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mockapi.model import SSEEvent
from mockapi.wire.sse import SSEDecoder, decode_events, encode_event

REAL_TRAFFIC = Path(__file__).resolve().parents[3].parent / "shared" / "real-traffic"
needs_real_traffic = pytest.mark.skipif(
    not REAL_TRAFFIC.is_dir(), reason=f"real-traffic cassettes not found at {REAL_TRAFFIC}"
)


def recorded_streams() -> list[tuple[str, str]]:
    """(name, body) of every text/event-stream response body in the cassettes."""
    streams = []
    for path in sorted(REAL_TRAFFIC.glob("*/*.y*ml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for i, interaction in enumerate(doc.get("interactions") or []):
            body: Any = interaction["response"].get("body") or {}
            text = body.get("string") if isinstance(body, dict) else None
            if isinstance(text, str) and text.startswith(("data:", "event:")):
                streams.append((f"{path.parent.name}/{path.name}#{i}", text))
    return streams


# --- encoding --------------------------------------------------------------------------


def test_encode_json_is_compact_and_keeps_key_order() -> None:
    event = SSEEvent({"id": "x", "choices": [{"index": 0, "delta": {}}], "usage": None})
    assert encode_event(event) == (
        b'data: {"id":"x","choices":[{"index":0,"delta":{}}],"usage":null}\n\n'
    )


def test_encode_keeps_non_ascii_and_writes_floats_like_python() -> None:
    event = SSEEvent({"content": "héllo ✓ 日本", "logprob": 1e-05, "x": 0.5, "n": 10**20})
    expected = '{"content":"héllo ✓ 日本","logprob":1e-05,"x":0.5,"n":100000000000000000000}'
    assert encode_event(event) == f"data: {expected}\n\n".encode()


def test_encode_done_marker_as_is() -> None:
    assert encode_event(SSEEvent("[DONE]")) == b"data: [DONE]\n\n"


def test_encode_named_event_puts_event_line_first() -> None:
    event = SSEEvent({"type": "response.created"}, event="response.created")
    assert encode_event(event) == (
        b'event: response.created\ndata: {"type":"response.created"}\n\n'
    )


def test_encode_multiline_string_gives_one_data_line_per_line() -> None:
    assert encode_event(SSEEvent("one\ntwo\r\nthree")) == (b"data: one\ndata: two\ndata: three\n\n")


def test_encode_rejects_nan_and_multiline_event_names() -> None:
    with pytest.raises(ValueError, match="not representable as JSON"):
        encode_event(SSEEvent({"x": float("nan")}))
    with pytest.raises(ValueError, match="one line"):
        encode_event(SSEEvent({}, event="a\nb"))


# --- decoding --------------------------------------------------------------------------


def test_decode_json_and_done() -> None:
    events = decode_events(b'data: {"a":1}\n\ndata: [DONE]\n\n')
    assert events == [SSEEvent({"a": 1}), SSEEvent("[DONE]")]
    assert events[1].is_done


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_decode_any_line_ending(newline: str) -> None:
    raw = f"event: e{newline}data: 1{newline}{newline}data: [2]{newline}{newline}"
    assert decode_events(raw) == [SSEEvent(1, event="e"), SSEEvent([2])]


def test_decode_comments_and_unknown_fields_are_ignored() -> None:
    raw = ": keep-alive\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\n:\n\n"
    assert decode_events(raw) == [SSEEvent("x")]


def test_decode_joins_data_lines_with_newline() -> None:
    raw = 'data: {"a":\ndata: 1}\n\ndata: line one\ndata: line two\n\n'
    assert decode_events(raw) == [SSEEvent({"a": 1}), SSEEvent("line one\nline two")]


def test_decode_strips_exactly_one_space_after_colon() -> None:
    raw = "data:nospace\n\ndata:  two\n\ndata\n\ndata:\n\n"
    assert [e.data for e in decode_events(raw)] == ["nospace", " two", "", ""]


def test_decode_event_name_applies_to_its_event_only() -> None:
    raw = "event: first\ndata: 1\n\ndata: 2\n\nevent: orphan\n\ndata: 3\n\n"
    assert decode_events(raw) == [SSEEvent(1, event="first"), SSEEvent(2), SSEEvent(3)]


def test_decode_yields_trailing_event_without_blank_line() -> None:
    assert decode_events("data: 1\n\ndata: [DONE]") == [SSEEvent(1), SSEEvent("[DONE]")]
    assert decode_events("data: 1\n\ndata: 2\n") == [SSEEvent(1), SSEEvent(2)]


def test_decode_keeps_json_strings_raw_and_non_json_as_text() -> None:
    events = decode_events('data: "quoted"\n\ndata: {not json\n\ndata: NaN\n\n')
    assert [e.data for e in events] == ['"quoted"', "{not json", "NaN"]
    # So that re-encoding gives the same bytes back.
    assert encode_event(events[0]) == b'data: "quoted"\n\n'


def test_decode_skips_leading_bom_and_empty_input() -> None:
    assert decode_events("\ufeffdata: 1\n\n") == [SSEEvent(1)]
    assert decode_events(b"") == []
    assert decode_events("\n\n\n") == []


# --- incremental decoding --------------------------------------------------------------


def test_decoder_byte_by_byte_equals_whole() -> None:
    raw = 'event: a\r\ndata: {"t":"é日😀"}\r\n\r\n: c\rdata: [DONE]\r\r'.encode()
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for i in range(len(raw)):
        events += decoder.feed(raw[i : i + 1])
    events += decoder.close()
    assert events == [SSEEvent({"t": "é日😀"}, event="a"), SSEEvent("[DONE]")]
    assert events == decode_events(raw)


def test_decoder_split_inside_multibyte_character() -> None:
    raw = 'data: {"t":"😀"}\n\n'.encode()
    cut = raw.index("😀".encode()) + 2  # two of the emoji's four bytes
    decoder = SSEDecoder()
    assert decoder.feed(raw[:cut]) == []
    assert decoder.feed(raw[cut:]) == [SSEEvent({"t": "😀"})]


def test_decoder_cr_and_lf_in_different_chunks_are_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    # Had the LF counted as a second line end, "a" would have been dispatched alone.
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [SSEEvent("a\nb")]


def test_decoder_returns_events_as_soon_as_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: 1\n") == []
    assert decoder.feed(b"\ndata: 2") == [SSEEvent(1)]
    assert decoder.close() == [SSEEvent(2)]
    assert decoder.close() == []
    with pytest.raises(ValueError, match="after close"):
        decoder.feed(b"data: 3\n\n")


def test_decoder_replaces_invalid_utf8() -> None:
    assert decode_events(b"data: a\xffb\n\n") == [SSEEvent("a\ufffdb")]


# --- real traffic ----------------------------------------------------------------------


@needs_real_traffic
def test_every_recorded_stream_reencodes_byte_for_byte() -> None:
    streams = recorded_streams()
    assert len(streams) >= 10
    for name, text in streams:
        events = decode_events(text)
        assert b"".join(encode_event(e) for e in events) == text.encode(), name


@needs_real_traffic
def test_recorded_chunk_streams_and_split_feeding() -> None:
    chats = [(n, t) for n, t in recorded_streams() if "chat.completion.chunk" in t]
    assert chats
    for name, text in chats:
        events = decode_events(text)
        assert events[-1] == SSEEvent("[DONE]"), name
        assert all(e.event is None for e in events), name
        assert all(e.data["object"] == "chat.completion.chunk" for e in events[:-1]), name
        raw, decoder, fed = text.encode(), SSEDecoder(), []
        for start in range(0, len(raw), 7):  # 7-byte pieces cut lines everywhere
            fed += decoder.feed(raw[start : start + 7])
        assert fed + decoder.close() == events, name


@needs_real_traffic
def test_responses_stream_event_names() -> None:
    text = dict(recorded_streams())["simonw__llm/test_responses_basic_streaming.yaml#0"]
    events = decode_events(text)
    names = [e.event for e in events]
    assert names[0] == "response.created"
    assert names[-1] == "response.completed"
    assert "response.output_text.delta" in names
    assert all(e.event == e.data["type"] for e in events)
    assert not any(e.is_done for e in events)
