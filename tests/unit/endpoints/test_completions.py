"""Legacy Completions: prompts, synthesis, completion of fixture bodies, and the stream form."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mockapi.endpoints.completions import routes as completions
from mockapi.endpoints.completions.prompt import ENDOFTEXT, legacy_logprobs, prompts_of
from mockapi.endpoints.completions.stream import chunks_to_completion, completion_to_chunks
from mockapi.errors import APIError
from mockapi.model import SSEEvent
from mockapi.wire import tokens
from tests.helpers import response_problems

ENDPOINT = "POST /v1/completions"
MODEL = "gpt-3.5-turbo-instruct"
IDS = tokens.encode("Say this is a test", MODEL)


def answer(**request: Any) -> dict[str, Any]:
    """The completed synthesized answer to ``request`` (a gpt-3.5-turbo-instruct one)."""
    body = {"model": MODEL, **request}
    result: dict[str, Any] = completions.complete(completions.synthesize(body), body)
    return result


def texts(body: dict[str, Any]) -> list[str]:
    return [choice["text"] for choice in body["choices"]]


# -- prompts -----------------------------------------------------------------------------


def test_prompt_forms_give_text_and_token_ids() -> None:
    assert [(p.text, list(p.ids)) for p in prompts_of({"prompt": "Say this is a test"})] == [
        ("Say this is a test", IDS)
    ]
    two = prompts_of({"prompt": ["Hello", "Say this is a test"]})
    assert [p.text for p in two] == ["Hello", "Say this is a test"]
    assert [p.text for p in prompts_of({"model": MODEL, "prompt": IDS})] == ["Say this is a test"]
    nested = prompts_of({"model": MODEL, "prompt": [IDS, IDS[:2]]})
    assert [(p.text, len(p.ids)) for p in nested] == [("Say this is a test", 5), ("Say this", 2)]


def test_missing_prompt_is_the_document_separator_one_token() -> None:
    (prompt,) = prompts_of({"model": MODEL})
    assert prompt.text == ENDOFTEXT and len(prompt.ids) == 1
    assert answer(prompt=None)["usage"]["prompt_tokens"] == 1


def test_empty_prompt_array_and_unknown_token_ids_are_the_api_400() -> None:
    with pytest.raises(APIError) as empty:
        prompts_of({"prompt": []})
    assert (empty.value.status, empty.value.param) == (400, "prompt")
    with pytest.raises(APIError) as unknown:
        prompts_of({"model": MODEL, "prompt": [[1, 2], [10**7]]})
    assert unknown.value.status == 400
    assert "10000000" in unknown.value.message and "prompt[1]" in unknown.value.message
    assert "cl100k_base" in unknown.value.message


# -- synthesis ---------------------------------------------------------------------------


def test_plain_answer_continues_the_prompt_cut_at_16_tokens() -> None:
    body = answer(prompt="Tell me about otters")
    (choice,) = body["choices"]
    assert choice["text"].startswith("\n\n") and "otters" in choice["text"]
    assert choice["finish_reason"] == "length" and choice["logprobs"] is None
    assert tokens.count_text(choice["text"], MODEL) == 16
    assert body["usage"] == {
        "prompt_tokens": tokens.count_text("Tell me about otters", MODEL),
        "completion_tokens": 16,
        "total_tokens": tokens.count_text("Tell me about otters", MODEL) + 16,
    }
    assert body["id"].startswith("cmpl-") and len(body["id"]) == 34
    assert list(body) == ["id", "object", "created", "model", "choices", "usage"]
    assert list(choice) == ["text", "index", "logprobs", "finish_reason"]
    assert response_problems(ENDPOINT, body) == []


def test_answer_ignores_sampling_parameters_but_not_seed_or_prompt() -> None:
    base = texts(answer(prompt="Tell me about otters", max_tokens=60))
    same = answer(
        prompt="Tell me about otters",
        max_tokens=60,
        temperature=1.7,
        top_p=0.2,
        presence_penalty=1,
        frequency_penalty=-1,
        logit_bias={"50256": -100},
        best_of=3,
        user="u1",
    )
    assert texts(same) == base
    assert texts(answer(prompt="Tell me about otters", max_tokens=60, seed=7)) != base
    assert texts(answer(prompt="Tell me about owls", max_tokens=60)) != base
    other_server = completions.synthesize(
        {"model": MODEL, "prompt": "Tell me about otters", "max_tokens": 60}, seed=1
    )
    assert texts(other_server) != base


def test_choices_are_prompts_times_n_prompt_major() -> None:
    body = answer(prompt=["Tell me about otters", "Tell me about owls"], n=2, max_tokens=40)
    assert [c["index"] for c in body["choices"]] == [0, 1, 2, 3]
    alone = [
        texts(answer(prompt=f"Tell me about {p}", max_tokens=40))[0] for p in ("otters", "owls")
    ]
    assert body["choices"][0]["text"] == alone[0] and body["choices"][2]["text"] == alone[1]
    assert "otters" in body["choices"][1]["text"] and "owls" in body["choices"][3]["text"]
    assert body["choices"][0]["text"] != body["choices"][1]["text"]
    prompt_tokens = sum(tokens.count_text(f"Tell me about {p}", MODEL) for p in ("otters", "owls"))
    assert body["usage"]["prompt_tokens"] == prompt_tokens  # each prompt once, not n times
    assert body["usage"]["completion_tokens"] == sum(
        tokens.count_text(t, MODEL) for t in texts(body)
    )


def test_token_prompts_count_their_ids() -> None:
    body = answer(prompt=[IDS, IDS[:2]], echo=True, max_tokens=3)
    assert body["usage"]["prompt_tokens"] == 7
    assert texts(body)[0].startswith("Say this is a test\n\n")
    assert texts(body)[1].startswith("Say this\n\n")
    assert body["usage"]["completion_tokens"] == 6


def test_max_tokens_cuts_a_prefix_and_stop_cuts_before_the_sequence() -> None:
    long = texts(answer(prompt="Tell me about otters", max_tokens=500))[0]
    assert answer(prompt="Tell me about otters", max_tokens=500)["choices"][0]["finish_reason"] == (
        "stop"
    )
    short = answer(prompt="Tell me about otters", max_tokens=4)
    assert long.startswith(short["choices"][0]["text"])
    assert short["usage"]["completion_tokens"] == 4
    cut = answer(prompt="Tell me about otters", max_tokens=500, stop=[".", "zzz"])
    assert cut["choices"][0]["text"] == long[: long.index(".")]
    assert cut["choices"][0]["finish_reason"] == "stop"
    assert texts(answer(prompt="Tell me about otters", stop="\n")) == [""]


def test_echo_prefixes_the_prompt_and_max_tokens_0_scores_the_prompt_only() -> None:
    plain = texts(answer(prompt="Tell me about otters"))[0]
    echoed = answer(prompt="Tell me about otters", echo=True)
    assert texts(echoed) == ["Tell me about otters" + plain]
    assert echoed["usage"]["completion_tokens"] == 16
    scored = answer(prompt="Tell me about otters", echo=True, max_tokens=0, logprobs=1)
    (choice,) = scored["choices"]
    assert choice["text"] == "Tell me about otters" and choice["finish_reason"] == "length"
    assert "".join(choice["logprobs"]["tokens"]) == "Tell me about otters"
    assert scored["usage"]["completion_tokens"] == 0


def test_suffix_gives_an_insertion_per_suffix() -> None:
    plain = texts(answer(prompt="def add(a, b):", max_tokens=40))[0]
    inserted = texts(answer(prompt="def add(a, b):", suffix="\n    return c", max_tokens=40))[0]
    other = texts(answer(prompt="def add(a, b):", suffix="\n# done", max_tokens=40))[0]
    assert plain.startswith("\n\n") and not inserted.startswith("\n")
    assert inserted != other
    assert (
        inserted
        == texts(answer(prompt="def add(a, b):", suffix="\n    return c", max_tokens=40))[0]
    )


def test_logprobs_legacy_shape_with_offsets_from_the_prompt() -> None:
    body = answer(prompt="Tell me about otters", logprobs=3)
    (choice,) = body["choices"]
    lp = choice["logprobs"]
    assert list(lp) == ["tokens", "token_logprobs", "top_logprobs", "text_offset"]
    assert "".join(lp["tokens"]) == choice["text"]
    assert len(lp["tokens"]) == 16 == len(lp["token_logprobs"]) == len(lp["text_offset"])
    assert all(len(top) == 3 for top in lp["top_logprobs"])
    lists = (lp["tokens"], lp["token_logprobs"], lp["top_logprobs"])
    for token, value, top in zip(*lists, strict=True):
        assert value <= 0 and top[token] == value and max(top.values()) == value
    offsets = [len("Tell me about otters")]
    for token in lp["tokens"][:-1]:
        offsets.append(offsets[-1] + len(token))
    assert lp["text_offset"] == offsets
    assert response_problems(ENDPOINT, body) == []


def test_logprobs_with_echo_start_with_null_and_keep_the_completion_values() -> None:
    plain = answer(prompt="Tell me about otters", logprobs=2)["choices"][0]["logprobs"]
    echoed = answer(prompt="Tell me about otters", logprobs=2, echo=True)
    lp = echoed["choices"][0]["logprobs"]
    prompt_ids = tokens.encode("Tell me about otters", MODEL)
    assert lp["token_logprobs"][0] is None and lp["top_logprobs"][0] is None
    assert lp["text_offset"][0] == 0
    assert "".join(lp["tokens"]) == echoed["choices"][0]["text"]
    assert lp["token_logprobs"][len(prompt_ids) :] == plain["token_logprobs"]
    assert lp["text_offset"][len(prompt_ids) :] == plain["text_offset"]
    assert response_problems(ENDPOINT, echoed) == []  # the null needs the derive patch


def test_logprobs_0_still_shows_the_chosen_token() -> None:
    lp = answer(prompt="Hi", logprobs=0)["choices"][0]["logprobs"]
    assert all(len(top) == 1 for top in lp["top_logprobs"])


def test_offsets_count_a_split_character_once() -> None:
    lp = legacy_logprobs(None, "日本語のテキスト🙂", model=MODEL, top=1, seed="s", offset=0)
    assert lp["text_offset"][0] == 0
    assert lp["text_offset"] == sorted(lp["text_offset"])
    assert max(lp["text_offset"]) < len("日本語のテキスト🙂")


def test_best_of_below_n_and_streamed_best_of_are_the_api_400() -> None:
    with pytest.raises(APIError) as low:
        completions.synthesize({"model": MODEL, "prompt": "x", "n": 3, "best_of": 2})
    assert (low.value.status, low.value.param) == (400, "best_of")
    assert "best_of=2 and n=3" in low.value.message
    with pytest.raises(APIError) as streamed:
        completions.check({"prompt": "x", "best_of": 3, "stream": True})
    assert streamed.value.param == "best_of" and "cannot be streamed" in streamed.value.message
    completions.check({"prompt": "x", "best_of": 2, "n": 2, "stream": True})
    assert len(answer(prompt="x", n=2, best_of=5)["choices"]) == 2


@pytest.mark.parametrize(
    "model", ["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo", "ft:gpt-4o-mini:acme::abc", "o3-mini"]
)
def test_chat_models_get_the_api_404(model: str) -> None:
    with pytest.raises(APIError) as caught:
        completions.refuse_chat_model(model)
    assert caught.value.status == 404 and caught.value.param == "model"
    assert caught.value.message.startswith("This is a chat model and not supported in the")


@pytest.mark.parametrize(
    "model", ["gpt-3.5-turbo-instruct", "gpt-3.5-turbo-instruct-0914", "davinci-002", "babbage-002"]
)
def test_completion_models_are_served(model: str) -> None:
    completions.refuse_chat_model(model)


# -- completing fixture bodies -------------------------------------------------------------


def test_a_hand_written_body_is_completed_and_pinned_fields_kept() -> None:
    request = {"model": "davinci-002", "prompt": "Say this is a test"}
    body = completions.complete({"choices": [{"text": "\n\nThis is a test."}]}, request)
    assert body["object"] == "text_completion" and body["model"] == "davinci-002"
    assert body["choices"] == [
        {"text": "\n\nThis is a test.", "index": 0, "logprobs": None, "finish_reason": "stop"}
    ]
    assert body["usage"]["prompt_tokens"] == 5
    assert body["usage"]["completion_tokens"] == tokens.count_text("\n\nThis is a test.", MODEL)
    assert response_problems(ENDPOINT, body) == []
    pinned = {"id": "cmpl-x", "created": 1, "model": "m", "system_fingerprint": "fp_1"}
    kept = completions.complete(
        {**pinned, "choices": [{"text": "a", "finish_reason": "length"}]}, request
    )
    assert {k: kept[k] for k in pinned} == pinned
    assert kept["choices"][0]["finish_reason"] == "length"
    assert list(kept)[:5] == ["id", "object", "created", "model", "system_fingerprint"]


def test_usage_of_an_echoed_body_leaves_the_prompt_out() -> None:
    request = {"model": MODEL, "prompt": ["A", "B"], "n": 2, "echo": True}
    body = completions.complete(
        {"choices": [{"text": "A one"}, {"text": "A two"}, {"text": "B three"}, {"text": "B"}]},
        request,
    )
    assert body["usage"]["completion_tokens"] == 3  # " one", " two", " three"
    assert body["usage"]["prompt_tokens"] == 2


def test_complete_refuses_what_the_api_refuses() -> None:
    with pytest.raises(APIError):
        completions.complete({"choices": []}, {"prompt": "x", "n": 2, "best_of": 1})


# -- the stream form -------------------------------------------------------------------------

ROUND_TRIPS = [
    {"prompt": "Tell me about otters"},
    {"prompt": ["Tell me about otters", "owls"], "n": 2},
    {"prompt": "Tell me about otters", "logprobs": 2},
    {"prompt": "Tell me about otters", "logprobs": 1, "echo": True},
    {"prompt": IDS, "stop": "\n"},
    {"prompt": "Say ☃ and 🙂 please", "logprobs": 1, "max_tokens": 40},
]


@pytest.mark.parametrize("request_", ROUND_TRIPS)
def test_round_trip_json_to_chunks_to_json(request_: dict[str, Any]) -> None:
    body = answer(**request_)
    chunks = completion_to_chunks(body, include_usage=True)
    assert chunks_to_completion(chunks) == body
    for chunk in chunks:
        assert response_problems(ENDPOINT, chunk) == []
        assert list(chunk)[:5] == ["id", "object", "created", "choices", "model"]
    without = chunks_to_completion(completion_to_chunks(body, include_usage=False))
    assert "usage" not in without
    assert completions.complete(without, {"model": MODEL, **request_}) == body


def test_chunks_carry_one_piece_and_finish_on_an_empty_last_chunk() -> None:
    body = answer(prompt="Tell me about otters", n=2)
    chunks = completion_to_chunks(body, include_usage=True)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == body["usage"]
    assert all("usage" not in c for c in chunks[:-1])
    assert all(len(c["choices"]) == 1 for c in chunks[:-1])
    for index in (0, 1):
        mine = [c["choices"][0] for c in chunks[:-1] if c["choices"][0]["index"] == index]
        assert len(mine) > 3
        assert all(c["finish_reason"] is None for c in mine[:-1])
        assert mine[-1] == {"text": "", "index": index, "logprobs": None, "finish_reason": "length"}
        assert "".join(c["text"] for c in mine) == body["choices"][index]["text"]
    assert len({c["id"] for c in chunks}) == 1


def test_logprobs_ride_one_token_per_chunk_when_they_spell_the_text() -> None:
    body = answer(prompt="Tell me about otters", logprobs=2)
    lp = body["choices"][0]["logprobs"]
    pieces = [c["choices"][0] for c in completion_to_chunks(body, include_usage=False)]
    assert [p["text"] for p in pieces[:-1]] == lp["tokens"]
    assert pieces[0]["logprobs"] == {
        "tokens": [lp["tokens"][0]],
        "token_logprobs": [lp["token_logprobs"][0]],
        "top_logprobs": [lp["top_logprobs"][0]],
        "text_offset": [lp["text_offset"][0]],
    }
    assert pieces[-1]["logprobs"] is None


def test_logprobs_that_do_not_spell_the_text_travel_whole_on_the_finish_chunk() -> None:
    lp = {
        "tokens": ["bytes:\\xe2"],
        "token_logprobs": [-1.0],
        "top_logprobs": [{}],
        "text_offset": [0],
    }
    body = answer(prompt="x")
    body["choices"][0]["logprobs"] = lp
    chunks = completion_to_chunks(body, include_usage=False)
    assert all(c["choices"][0]["logprobs"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"][0]["logprobs"] == lp
    assert chunks_to_completion(chunks) == {k: v for k, v in body.items() if k != "usage"}


def test_reassembly_of_a_cut_or_sparse_recording() -> None:
    chunks: list[Any] = [
        {"id": "cmpl-1", "created": 5, "model": "m", "choices": [{"text": "Hel", "index": 0}]},
        {"choices": [{"text": "lo"}]},
        "[DONE]",
    ]
    body = chunks_to_completion(chunks)
    assert body == {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 5,
        "model": "m",
        "choices": [{"text": "Hello", "index": 0, "logprobs": None}],
    }
    assert completions.complete(body, {"prompt": "x"})["choices"][0]["finish_reason"] == "stop"
    with pytest.raises(ValueError, match="no text_completion chunks"):
        chunks_to_completion(["[DONE]"])
    with pytest.raises(ValueError, match="'choices' list"):
        completion_to_chunks({"choices": None}, include_usage=False)


def test_the_shape_ends_streams_with_done_and_names_broken_fixtures() -> None:
    request = {"model": MODEL, "prompt": "x", "stream": True}
    body = answer(prompt="x")
    events = completions.SHAPE.to_events(copy.deepcopy(body), request)
    assert events[-1].is_done and not any(e.is_done for e in events[:-1])
    assert completions.SHAPE.from_events(events, request) == {
        k: v for k, v in body.items() if k != "usage"
    }
    with pytest.raises(APIError) as broken:
        completions.SHAPE.from_events([SSEEvent(data="[DONE]")], request)
    assert broken.value.status == 500 and "POST /v1/completions" in broken.value.message
    with pytest.raises(APIError):
        completions.SHAPE.to_events({"choices": "nope"}, request)
