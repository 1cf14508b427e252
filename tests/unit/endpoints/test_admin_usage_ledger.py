"""The usage ledger and the usage routes without a server: what each billable answer adds
(tokens as its usage said, a stream's counted by its shape, images, characters, seconds,
moderation tokens, hosted tool calls), who it counts for, batch lines, and the usage
pages (buckets, group_by, filters, paging and the API's 400s)."""

from __future__ import annotations

import math

from mockapi.endpoints.admin import ledger
from mockapi.endpoints.audio import codec
from mockapi.wire import tokens
from tests.unit.endpoints.admin_usage_state import CHAT, DAY, NOW, PLAIN, Org, chat_answer


def only_result(page: dict[str, object]) -> dict[str, object]:
    """The one result of a page with one bucket holding one result."""
    [bucket] = page["data"]  # type: ignore[misc]
    [result] = bucket["results"]
    return dict(result)


def test_chat_tokens_are_the_answers_usage_grouped_by_model_and_batch() -> None:
    o = Org()
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini-2024-07-18", 12, 5))
    cached = {"prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 2}}
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini-2024-07-18", 20, 7, **cached))
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-2024-08-06", 9, 3), batch="batch_1")
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-2024-08-06", 1, 1), status=429)

    total = only_result(o.usage("completions", start_time=NOW - 60))
    assert (total["input_tokens"], total["output_tokens"]) == (12 + 20 + 9, 5 + 7 + 3)
    assert (total["num_model_requests"], total["input_cached_tokens"]) == (3, 4)
    assert total["input_uncached_tokens"] == 41 - 4
    assert (total["input_audio_tokens"], total["input_text_tokens"]) == (2, 41 - 4 - 2)
    assert total["model"] is None and total["batch"] is None and total["project_id"] is None

    page = o.usage("completions", start_time=NOW - 60, group_by=["model", "batch"])
    rows = {(r["model"], r["batch"]): r for r in page["data"][0]["results"]}
    assert set(rows) == {("gpt-4o-mini-2024-07-18", False), ("gpt-4o-2024-08-06", True)}
    mini = rows[("gpt-4o-mini-2024-07-18", False)]
    assert (mini["input_tokens"], mini["output_tokens"], mini["num_model_requests"]) == (32, 12, 2)
    assert rows[("gpt-4o-2024-08-06", True)]["input_tokens"] == 9
    assert rows[("gpt-4o-2024-08-06", True)]["service_tier"] is None  # not grouped by it

    batch_only = only_result(o.usage("completions", start_time=NOW - 60, batch=True))
    assert batch_only["num_model_requests"] == 1
    models = only_result(o.usage("completions", start_time=NOW - 60, models=["gpt-4o-2024-08-06"]))
    assert models["output_tokens"] == 3


def test_a_stream_without_usage_is_counted_by_its_shape() -> None:
    o = Org()
    chunk = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": NOW,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hello there"}}],
    }
    last = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    o.sent("/v1/chat/completions", {**CHAT, "stream": True}, events=[chunk, last, "[DONE]"])
    total = only_result(o.usage("completions", start_time=NOW))
    assert total["input_tokens"] == tokens.count_prompt(CHAT)
    assert total["output_tokens"] == tokens.count_text("Hello there", "gpt-4o-mini")


def test_who_a_request_counts_for() -> None:
    o = Org()
    o.project_key("sk-proj-a", "proj_a", "key_a", user_id="user-a")
    o.project_key("sk-svcacct-b", "proj_b", "key_b", service_account_id="user-bot")
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 1, 1), key="sk-proj-a")
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 2, 2), key="sk-svcacct-b")
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 4, 4), key=PLAIN)
    page = o.usage("completions", start_time=NOW, group_by=["project_id", "user_id", "api_key_id"])
    found = {
        (r["project_id"], r["user_id"], r["api_key_id"]): r["input_tokens"]
        for r in page["data"][0]["results"]
    }
    plain = (o.default_project(), o.call("GET /v1/organization/users")["data"][0]["id"])
    assert found == {
        ("proj_a", "user-a", "key_a"): 1,
        ("proj_b", None, "key_b"): 2,
        (*plain, ledger.untracked_key_id(PLAIN)): 4,
    }
    only_b = only_result(o.usage("completions", start_time=NOW, project_ids=["proj_b"]))
    assert only_b["input_tokens"] == 2
    assert PLAIN not in str(o.state.values(ledger.KIND))  # the secret is never kept


def test_each_route_counts_what_the_api_bills_by() -> None:
    o = Org()
    o.sent("/v1/embeddings", {"model": "text-embedding-3-small", "input": "a b"}, {
        "object": "list", "data": [], "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 3, "total_tokens": 3},
    })  # fmt: skip
    text = "A kind word and a gentle reply."
    o.sent("/v1/moderations", {"model": "omni-moderation-latest", "input": [text, text]}, {
        "id": "modr-1", "model": "omni-moderation-2024-09-26", "results": [],
    })  # fmt: skip
    image = {"model": "dall-e-3", "prompt": "a fox", "n": 2, "size": "1024x1792"}
    o.sent("/v1/images/generations", image, {"created": NOW, "data": [{"url": "u"}, {"url": "v"}]})
    speech = {"model": "tts-1", "input": "Hello, world", "voice": "alloy"}
    o.sent("/v1/audio/speech", speech, None)
    wav = codec.wav(codec.speech_pcm("testing one two three"))
    o.sent("/v1/audio/transcriptions", {"model": "whisper-1"}, {"text": "hi"}, upload=wav)

    assert only_result(o.usage("embeddings", start_time=NOW))["input_tokens"] == 3
    moderation = only_result(o.usage("moderations", start_time=NOW, group_by=["model"]))
    assert moderation["input_tokens"] == 2 * tokens.count_text(text)
    assert moderation["model"] == "omni-moderation-2024-09-26"
    images = only_result(o.usage("images", start_time=NOW, group_by=["size", "source"]))
    assert (images["images"], images["size"], images["source"]) == (
        2,
        "1024x1792",
        "image.generation",
    )
    assert only_result(o.usage("audio_speeches", start_time=NOW))["characters"] == 12
    seconds = only_result(o.usage("audio_transcriptions", start_time=NOW))["seconds"]
    info = codec.inspect(wav)
    assert info is not None and seconds == math.ceil(info.duration)


def test_responses_count_tokens_hosted_tool_calls_and_sessions() -> None:
    o = Org()
    request = {
        "model": "gpt-4o-mini",
        "input": "search",
        "tools": [
            {"type": "web_search", "search_context_size": "high"},
            {"type": "file_search", "vector_store_ids": ["vs_1", "vs_2"]},
        ],
    }
    answer = {
        "id": "resp_1",
        "object": "response",
        "model": "gpt-4o-mini-2024-07-18",
        "output": [
            {"type": "web_search_call", "id": "ws_1"},
            {"type": "web_search_call", "id": "ws_2"},
            {"type": "file_search_call", "id": "fs_1"},
            {"type": "code_interpreter_call", "id": "ci_1", "container_id": "cntr_1"},
        ],
        "usage": {
            "input_tokens": 30,
            "output_tokens": 10,
            "input_tokens_details": {"cached_tokens": 8},
        },
    }
    o.sent("/v1/responses", request, answer)
    o.sent("/v1/responses", request, answer)  # the same container: no second session
    completions = only_result(o.usage("completions", start_time=NOW))
    assert (completions["input_tokens"], completions["input_cached_tokens"]) == (60, 16)
    web = only_result(o.usage("web_search_calls", start_time=NOW, group_by=["context_level"]))
    assert (web["num_requests"], web["num_model_requests"], web["context_level"]) == (4, 2, "high")
    files = only_result(o.usage("file_search_calls", start_time=NOW, group_by=["vector_store_id"]))
    assert (files["num_requests"], files["vector_store_id"]) == (2, "vs_1")
    assert only_result(o.usage("code_interpreter_sessions", start_time=NOW))["num_sessions"] == 1


def test_vector_store_bytes_count_from_the_bucket_they_were_made_in() -> None:
    o = Org()
    o.project_key("sk-proj-a", "proj_a", "key_a", user_id="user-a")
    store = {"id": "vs_1", "object": "vector_store", "created_at": NOW, "usage_bytes": 0}
    o.sent("/v1/vector_stores", {"name": "docs"}, store, key="sk-proj-a")
    o.state.put("vector_stores", "vs_1", {**store, "usage_bytes": 2048})
    page = o.usage(
        "vector_stores", start_time=NOW - 7200, bucket_width="1h", group_by=["project_id"]
    )
    assert [b["results"] for b in page["data"][:2]] == [[], []]
    [result] = page["data"][2]["results"]
    assert (result["usage_bytes"], result["project_id"]) == (2048, "proj_a")


def test_rows_are_one_a_minute_and_buckets_align_on_their_width() -> None:
    o = Org()
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 1, 1))
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 2, 2))
    o.now += 120
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 4, 4))
    assert len(o.state.values(ledger.KIND)) == 2

    minutes = o.usage("completions", start_time=NOW - 60, bucket_width="1m", limit=4)
    assert [b["start_time"] % 60 for b in minutes["data"]] == [0, 0, 0, 0]
    assert [sum(r["input_tokens"] for r in b["results"]) for b in minutes["data"]] == [0, 3, 0, 4]
    assert minutes["has_more"] is False and minutes["next_page"] is None

    days = o.usage("completions", start_time=NOW - 3 * 86400)
    assert [b["start_time"] for b in days["data"]] == [
        DAY - 3 * 86400 + i * 86400 for i in range(4)
    ]
    assert [b["end_time"] - b["start_time"] for b in days["data"]] == [86400] * 4
    assert days["data"][-1]["results"][0]["input_tokens"] == 7

    # Counted to the minute (a row is a minute's total): from the next minute on.
    late = o.usage("completions", start_time=NOW + 60, bucket_width="1m")
    assert [sum(r["input_tokens"] for r in b["results"]) for b in late["data"]] == [0, 4]


def test_pages_follow_next_page_to_the_end() -> None:
    o = Org()
    o.sent("/v1/chat/completions", CHAT, chat_answer("gpt-4o-mini", 5, 5))
    start = NOW - 10 * 86400
    first = o.usage("completions", start_time=start)
    assert len(first["data"]) == 7 and first["has_more"] is True
    assert first["next_page"].startswith("page_")
    second = o.usage("completions", start_time=start, page=first["next_page"])
    assert second["data"][0]["start_time"] == first["data"][-1]["end_time"]
    assert second["has_more"] is False and len(second["data"]) == 4
    assert second["data"][-1]["results"][0]["input_tokens"] == 5


def test_the_apis_400s_name_the_parameter() -> None:
    o = Org()
    route = "GET /v1/organization/usage/completions"
    missing = o.refused(route, query=())
    assert (missing.status, missing.param) == (400, "start_time")
    over = o.refused(
        route, query=(("start_time", str(NOW)), ("bucket_width", "1h"), ("limit", "169"))
    )
    assert (over.param, "between 1 and 168" in over.message) == ("limit", True)
    backwards = o.refused(route, query=(("start_time", str(NOW)), ("end_time", str(NOW - 1))))
    assert backwards.param == "end_time"
    cursor = o.refused(route, query=(("start_time", str(NOW)), ("page", "nonsense!")))
    assert cursor.param == "page"
    unsure = o.refused(route, query=(("start_time", str(NOW)), ("batch", "maybe")))
    assert unsure.param == "batch"  # refused with nothing recorded too
    grouping = o.refused(route, query=(("start_time", str(NOW)), ("group_by[]", "size")))
    assert grouping.param == "group_by" and "'model'" in grouping.message
    days_only = o.refused(
        "GET /v1/organization/costs", query=(("start_time", str(NOW)), ("bucket_width", "1h"))
    )
    assert days_only.param == "bucket_width"
