"""Chat Completions stream <-> non-stream, checked against real OpenAI traffic."""

from __future__ import annotations

import copy
import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockapi.endpoints.chat.stream import (
    adapt_usage_chunks,
    chunks_to_completion,
    completion_to_chunks,
    split_text,
)
from mockapi.wire.sse import decode_events

REAL_TRAFFIC = Path(__file__).resolve().parents[3].parent / "shared" / "real-traffic"
needs_real_traffic = pytest.mark.skipif(
    not REAL_TRAFFIC.is_dir(), reason=f"real-traffic cassettes not found at {REAL_TRAFFIC}"
)

TEXT_STREAM = "pydantic__pydantic-ai/test_temporal_agent_run_stream.yaml"
TOOL_STREAM = (
    "crewAIInc__crewAI/"
    "TestOpenAIToolCallStreaming.test_openai_streaming_emits_tool_call_events.yaml"
)
NO_USAGE_STREAM = "crewAIInc__crewAI/test_llm_emits_stream_chunk_events.yaml"
PARALLEL_STREAM = "pydantic__pydantic-ai/test_complex_agent_run.yaml"


def response_body(interaction: dict[str, Any]) -> Any:
    """The response body: parsed JSON (pydantic-ai's ``parsed_body``, gzip) or SSE text."""
    response = interaction["response"]
    if "parsed_body" in response:
        return response["parsed_body"]
    raw = response["body"]["string"]
    if isinstance(raw, bytes):
        raw = gzip.decompress(raw).decode()
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def interactions(name: str) -> list[dict[str, Any]]:
    doc = yaml.load((REAL_TRAFFIC / name).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    result: list[dict[str, Any]] = doc.get("interactions") or []  # Ruby VCR: none here
    return result


def recorded_chunks(name: str, index: int = 0) -> list[dict[str, Any]]:
    body = response_body(interactions(name)[index])
    return [e.data for e in decode_events(body) if not e.is_done]


def real_completions() -> list[Any]:
    if not REAL_TRAFFIC.is_dir():
        return []
    found = []
    for path in sorted(REAL_TRAFFIC.glob("*/*.y*ml")):
        name = f"{path.parent.name}/{path.name}"
        for i, interaction in enumerate(interactions(name)):
            body = response_body(interaction)
            if isinstance(body, dict) and body.get("object") == "chat.completion":
                found.append(pytest.param(body, id=f"{path.stem}#{i}"))
    return found


def without_obfuscation(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in c.items() if k != "obfuscation"} for c in chunks]


def no_usage(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "usage"}


def deltas(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c["choices"][0]["delta"] for c in chunks if c["choices"]]


USAGE = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}


def completion(*choices: dict[str, Any], usage: Any = USAGE) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-2024-08-06",
        "choices": list(choices),
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": "fp_test",
    }


def choice(index: int = 0, finish: str = "stop", **message: Any) -> dict[str, Any]:
    full: dict[str, Any] = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "annotations": [],
    }
    full.update(message)
    return {"index": index, "message": full, "logprobs": None, "finish_reason": finish}


CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city":"Paris","days":3}'},
}


# --- split_text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Hello world!", ["Hello", " world", "!"]),
        ('{"city":"San Francisco"}', ['{"', "city", '":"', "San", " Francisco", '"}']),
        ('{"a":1231,"b":2331}', ['{"', "a", '":', "123", "1", ',"', "b", '":', "233", "1", "}"]),
        ("Why couldn't it?", ["Why", " couldn", "'t", " it", "?"]),
        ("a\n\nb  c", ["a", "\n\n", "b", " ", " c"]),
        ("", []),
    ],
)
def test_split_text_examples(text: str, pieces: list[str]) -> None:
    assert split_text(text) == pieces


def test_split_text_cuts_long_runs_and_always_joins_back() -> None:
    assert split_text("x" * 40) == ["x" * 16, "x" * 16, "x" * 8]
    rng = random.Random(7)
    alphabet = "ab Z9_-'\"{}:,.\n\r\t é日😀\u2028"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        pieces = split_text(text)
        assert "".join(pieces) == text
        assert all(pieces) and all(len(p) <= 16 for p in pieces)


# --- completion_to_chunks ----------------------------------------------------------------


def test_text_completion_to_chunks_shapes() -> None:
    chunks = completion_to_chunks(completion(choice(content="Hi there!")), include_usage=False)
    assert [list(c) for c in chunks] == [
        ["id", "object", "created", "model", "service_tier", "system_fingerprint", "choices"]
    ] * len(chunks)
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert all(c["id"] == "chatcmpl-test" and c["created"] == 1700000000 for c in chunks)
    assert chunks[0]["choices"] == [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": "", "refusal": None},
            "logprobs": None,
            "finish_reason": None,
        }
    ]
    assert deltas(chunks)[1:] == [{"content": "Hi"}, {"content": " there"}, {"content": "!"}, {}]
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None] * 4 + ["stop"]


def test_include_usage_adds_null_usage_and_a_usage_chunk() -> None:
    chunks = completion_to_chunks(completion(choice(content="Hi")), include_usage=True)
    assert all(c["usage"] is None for c in chunks[:-1])
    assert list(chunks[0])[-2:] == ["choices", "usage"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == USAGE
    assert chunks[-1]["id"] == "chatcmpl-test"
    with pytest.raises(ValueError, match="usage"):
        completion_to_chunks(completion(choice(content="Hi"), usage=None), include_usage=True)


def test_tool_call_only_message_streams_like_the_api() -> None:
    second = {**CALL, "id": "call_2", "function": {"name": "noop", "arguments": "{}"}}
    source = completion(choice(finish="tool_calls", tool_calls=[CALL, second]))
    chunks = completion_to_chunks(source, include_usage=False)
    got = deltas(chunks)
    # Parallel calls: a bare role chunk, then each call's head in its own chunk (gpt-4o,
    # 2025-08, pydantic-ai test_complex_agent_run).
    assert got[0] == {"role": "assistant", "content": None}
    assert got[1]["tool_calls"] == [
        {
            "index": 0,
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        }
    ]
    single = deltas(
        completion_to_chunks(completion(choice(tool_calls=[CALL])), include_usage=False)
    )
    assert single[0] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [got[1]["tool_calls"][0]],
        "refusal": None,
    }
    fragments = [d["tool_calls"][0]["function"]["arguments"] for d in got[1:] if "tool_calls" in d]
    assert len(fragments) > 3 and "".join(fragments).startswith('{"city":"Paris"')
    head = next(d for d in got if d.get("tool_calls", [{}])[0].get("id") == "call_2")
    assert head["tool_calls"][0]["index"] == 1
    assert head["tool_calls"][0]["function"]["name"] == "noop"
    rebuilt = chunks_to_completion(chunks)
    arguments = [c["function"]["arguments"] for c in rebuilt["choices"][0]["message"]["tool_calls"]]
    assert [json.loads(a) for a in arguments] == [{"city": "Paris", "days": 3}, {}]
    assert rebuilt == no_usage(source)


def test_n2_choices_are_emitted_choice_by_choice() -> None:
    source = completion(choice(0, content="Yes."), choice(1, finish="length", content="No way"))
    chunks = completion_to_chunks(source, include_usage=True)
    indexes = [c["choices"][0]["index"] for c in chunks if c["choices"]]
    assert indexes == [0, 0, 0, 0, 1, 1, 1, 1]
    assert all(len(c["choices"]) == 1 for c in chunks[:-1])
    assert chunks_to_completion(chunks) == source


def test_interleaved_choices_reassemble_by_index() -> None:
    source = completion(choice(0, content="Yes."), choice(1, content="No way"))
    chunks = completion_to_chunks(source, include_usage=False)
    firsts, seconds = chunks[:4], chunks[4:]
    interleaved = [c for pair in zip(seconds, firsts, strict=True) for c in pair]
    assert chunks_to_completion(interleaved) == no_usage(source)


def test_content_with_tool_calls_refusal_annotations_and_function_call_round_trip() -> None:
    note = {"type": "url_citation", "url_citation": {"url": "https://example.com"}}
    sources = [
        completion(choice(finish="tool_calls", content="Let me check.", tool_calls=[CALL])),
        completion(choice(refusal="I can't help with that.")),
        completion(choice(content="See the page.", annotations=[note])),
        completion(choice(finish="function_call", function_call=CALL["function"])),
        completion(choice(content="")),
    ]
    for source in sources:
        for include_usage in (True, False):
            chunks = completion_to_chunks(source, include_usage=include_usage)
            expected = source if include_usage else no_usage(source)
            assert chunks_to_completion(chunks) == expected
    refusal_chunks = completion_to_chunks(sources[1], include_usage=False)
    assert deltas(refusal_chunks)[0] == {"role": "assistant", "content": None, "refusal": None}
    assert "".join(d.get("refusal") or "" for d in deltas(refusal_chunks)) == (
        "I can't help with that."
    )


def test_logprobs_spread_over_tokens_or_kept_whole() -> None:
    tokens = [
        {"token": t, "logprob": -0.1, "bytes": list(t.encode()), "top_logprobs": []}
        for t in ("Hel", "lo", "!")
    ]
    aligned = completion(choice(content="Hello!"))
    aligned["choices"][0]["logprobs"] = {"content": tokens, "refusal": None}
    chunks = completion_to_chunks(aligned, include_usage=False)
    assert deltas(chunks)[1:4] == [{"content": "Hel"}, {"content": "lo"}, {"content": "!"}]
    assert chunks[1]["choices"][0]["logprobs"] == {"content": [tokens[0]], "refusal": None}
    assert chunks[-1]["choices"][0]["logprobs"] is None
    assert chunks_to_completion(chunks) == no_usage(aligned)

    misaligned = copy.deepcopy(aligned)
    misaligned["choices"][0]["message"]["content"] = "Goodbye!"
    chunks = completion_to_chunks(misaligned, include_usage=True)
    assert chunks[-2]["choices"][0]["logprobs"] == {"content": tokens, "refusal": None}
    assert chunks_to_completion(chunks) == misaligned


def test_choice_without_logprobs_key_stays_without() -> None:
    source = completion(choice(content="Paris"))
    del source["choices"][0]["logprobs"]  # o-series replies as recorded by pydantic-ai
    chunks = completion_to_chunks(source, include_usage=True)
    assert all("logprobs" not in c["choices"][0] for c in chunks[:-1])
    assert chunks_to_completion(chunks) == source


def test_adapt_puts_usage_after_choices_and_keeps_other_keys() -> None:
    chunks = completion_to_chunks(completion(choice(content="Hi")), include_usage=False)
    padded = [{**c, "obfuscation": "pad"} for c in chunks]
    adapted = adapt_usage_chunks(padded, include_usage=True, usage=USAGE)
    assert list(adapted[0])[-3:] == ["choices", "usage", "obfuscation"]
    assert adapted[-1]["usage"] == USAGE and adapted[-1]["choices"] == []
    assert adapt_usage_chunks(adapted, include_usage=False, usage=None) == padded
    stray: list[Any] = ["[DONE]"]  # not a chunk: passed through untouched
    assert adapt_usage_chunks(stray, include_usage=False, usage=None) == stray


def test_bad_completions_name_the_problem() -> None:
    with pytest.raises(ValueError, match="'choices' list, got None"):
        completion_to_chunks({"id": "x"}, include_usage=False)
    with pytest.raises(ValueError, match="choice 0 needs a 'message'"):
        completion_to_chunks(completion({"index": 0}), include_usage=False)
    with pytest.raises(ValueError, match=r"no chat\.completion\.chunk"):
        chunks_to_completion([])


# --- real traffic ----------------------------------------------------------------------


@needs_real_traffic
@pytest.mark.parametrize("body", real_completions())
@pytest.mark.parametrize("include_usage", [True, False])
def test_real_completion_round_trips(body: dict[str, Any], include_usage: bool) -> None:
    chunks = completion_to_chunks(body, include_usage=include_usage)
    expected = body if include_usage else no_usage(body)
    assert chunks_to_completion(chunks) == expected
    assert ("usage" in chunks[0]) is include_usage


@needs_real_traffic
def test_real_completions_were_found() -> None:
    assert len(real_completions()) >= 15


@needs_real_traffic
def test_recorded_text_stream_reassembles_field_by_field() -> None:
    chunks = recorded_chunks(TEXT_STREAM)
    rebuilt = chunks_to_completion(chunks)
    assert rebuilt == {
        "id": "chatcmpl-C2P2HtMJhPkWjQ2adKerkdVilXmRL",
        "object": "chat.completion",
        "created": 1754688929,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "The capital of Mexico is Mexico City.",
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": chunks[-1]["usage"],
        "service_tier": "default",
        "system_fingerprint": "fp_07871e2ad8",
    }
    assert rebuilt["usage"]["prompt_tokens"] == 14
    assert list(rebuilt) == [
        "id", "object", "created", "model", "choices", "usage", "service_tier",
        "system_fingerprint",
    ]  # fmt: skip


@needs_real_traffic
def test_recorded_tool_call_stream_reassembles_to_json_arguments() -> None:
    rebuilt = chunks_to_completion(recorded_chunks(TOOL_STREAM))
    message = rebuilt["choices"][0]["message"]
    assert message["content"] is None and message["refusal"] is None
    assert rebuilt["choices"][0]["finish_reason"] == "tool_calls"
    [call] = message["tool_calls"]
    assert call["id"] == "call_QXZLQbxriC1eBnOMXLPMopfe" and call["type"] == "function"
    assert call["function"]["name"] == "get_current_temperature"
    assert json.loads(call["function"]["arguments"]) == {"city": "San Francisco"}
    assert rebuilt["usage"]["completion_tokens"] == 16


@needs_real_traffic
def test_recorded_parallel_tool_calls_reassemble_in_index_order() -> None:
    rebuilt = chunks_to_completion(recorded_chunks(PARALLEL_STREAM, 0))
    calls = rebuilt["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_country", "get_product_name"]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [{}, {}]


@needs_real_traffic
@pytest.mark.parametrize(
    ("name", "index"),
    [
        (TEXT_STREAM, 0),
        (TOOL_STREAM, 0),
        ("pydantic__pydantic-ai/test_run_stream_sync_streams_real_model.yaml", 0),
        ("pydantic__pydantic-ai/test_run_stream_sync_streams_real_model.yaml", 1),
        (PARALLEL_STREAM, 1),
        ("simonw__llm/test_tool_use_basic.yaml", 0),
    ],
)
def test_regenerated_stream_equals_the_recording(name: str, index: int) -> None:
    # For these recordings our token-like pieces happen to be the API's own tokens, so
    # stream -> completion -> stream reproduces every chunk (bar the random padding).
    recorded = without_obfuscation(recorded_chunks(name, index))
    regenerated = completion_to_chunks(chunks_to_completion(recorded), include_usage=True)
    assert regenerated == recorded
    assert [list(c) for c in regenerated] == [list(c) for c in recorded]  # key order too


@needs_real_traffic
def test_adapt_recorded_usage_stream_for_a_request_without_include_usage() -> None:
    recorded = recorded_chunks(TEXT_STREAM)
    before = copy.deepcopy(recorded)
    adapted = adapt_usage_chunks(recorded, include_usage=False, usage=None)
    assert recorded == before  # the input is not changed
    assert len(adapted) == len(recorded) - 1
    assert all("usage" not in c and c["choices"] for c in adapted)
    assert adapted[0]["obfuscation"] == recorded[0]["obfuscation"]
    assert adapt_usage_chunks(recorded, include_usage=True, usage=USAGE) == recorded


@needs_real_traffic
def test_adapt_recorded_stream_without_usage_for_include_usage() -> None:
    recorded = recorded_chunks(NO_USAGE_STREAM)
    assert all("usage" not in c for c in recorded)
    adapted = adapt_usage_chunks(recorded, include_usage=True, usage=USAGE)
    assert len(adapted) == len(recorded) + 1
    assert all(c["usage"] is None for c in adapted[:-1])
    keys = list(recorded[0])
    keys.insert(keys.index("choices") + 1, "usage")  # where the API writes it
    assert list(adapted[0]) == keys
    last = adapted[-1]
    assert last["choices"] == [] and last["usage"] == USAGE
    assert last["id"] == recorded[-1]["id"] and last["object"] == "chat.completion.chunk"
    assert adapt_usage_chunks(recorded, include_usage=False, usage=None) == recorded
    with pytest.raises(ValueError, match="no usage chunk"):
        adapt_usage_chunks(recorded, include_usage=True, usage=None)
    assert chunks_to_completion(adapted)["usage"] == USAGE


def test_obfuscation_pads_every_chunk_deterministically() -> None:
    source = completion(choice(content="Hi there!"))
    chunks = completion_to_chunks(source, include_usage=True, obfuscation=True)
    pads = [c["obfuscation"] for c in chunks]
    assert all(list(c)[-1] == "obfuscation" for c in chunks)  # last, as the API sends it
    assert all(p.isalnum() and 2 <= len(p) <= 15 for p in pads)
    assert pads == [
        c["obfuscation"] for c in completion_to_chunks(source, include_usage=True, obfuscation=True)
    ]
    assert chunks_to_completion(chunks) == source
    assert "obfuscation" not in completion_to_chunks(source, include_usage=False)[0]


def test_obfuscation_is_on_unless_the_request_opts_out() -> None:
    from mockapi.endpoints.chat.stream import wants_obfuscation

    assert wants_obfuscation({"stream": True})
    assert wants_obfuscation({"stream_options": {"include_usage": True}})
    assert not wants_obfuscation({"stream_options": {"include_obfuscation": False}})
