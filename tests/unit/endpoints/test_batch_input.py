"""A batch's input file checked as the API checks it: each problem with its code, its
1-based line and its param; the file's limits; the lines the runner reads back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockapi.endpoints.batches import input as batch_input

CHAT = "/v1/chat/completions"


def line(
    custom_id: str, *, url: str = CHAT, model: str = "gpt-4o-mini", **body: Any
) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": url,
        "body": {"model": model, "messages": [{"role": "user", "content": "hi"}], **body},
    }


def jsonl(*entries: Any) -> bytes:
    return b"".join(
        (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n" for e in entries
    )


def codes(checked: batch_input.Checked) -> list[tuple[str, int | None, str | None]]:
    return [(e["code"], e["line"], e["param"]) for e in checked.errors]


def test_a_good_file_has_no_errors_and_names_its_model_and_size() -> None:
    checked = batch_input.check(jsonl(line("a"), line("b"), line("c")), CHAT)
    assert checked == batch_input.Checked([], 3, "gpt-4o-mini")


def test_blank_lines_are_skipped_but_keep_their_numbers() -> None:
    data = jsonl(line("a")) + b"\n   \n" + b"{not json\n"
    checked = batch_input.check(data, CHAT)
    assert codes(checked) == [("invalid_json_line", 4, None)]
    assert checked.errors[0]["message"] == "This line is not parseable as valid JSON."
    assert checked.requests == 2


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (b"[1, 2]", [("invalid_request", 1, None)]),
        (
            b'{"custom_id": "a", "method": "POST", "url": "/v1/x"}',
            [("missing_required_parameter", 1, "body")],
        ),
        (
            {"custom_id": 7, "method": "POST", "url": CHAT, "body": "text"},
            [("invalid_request", 1, "custom_id"), ("invalid_request", 1, "body")],
        ),
        ({**line("a"), "method": "GET"}, [("invalid_request", 1, "method")]),
        (line("a", url="/v1/embeddings"), [("invalid_url", 1, "url")]),
        (line("a", stream=True), [("invalid_request", 1, "body.stream")]),
        (
            b'{"custom_id": "a", "method": "POST", "url": NaN, "body": {}}',
            [("invalid_json_line", 1, None)],
        ),
    ],
)
def test_each_problem_of_a_line_is_named(
    entry: Any, expected: list[tuple[str, int, str | None]]
) -> None:
    assert codes(batch_input.check(jsonl(entry), CHAT)) == expected


def test_the_url_problem_names_both_urls() -> None:
    (found,) = batch_input.check(jsonl(line("a", url="/v1/embeddings")), CHAT).errors
    assert "'/v1/embeddings'" in found["message"] and f"'{CHAT}'" in found["message"]


def test_a_duplicate_custom_id_is_refused_with_the_apis_wording_and_the_first_line() -> None:
    checked = batch_input.check(jsonl(line("a"), line("b"), line("a")), CHAT)
    assert codes(checked) == [("duplicate_custom_id", 3, "custom_id")]
    message = checked.errors[0]["message"]
    assert message.startswith("The custom_id for this request is a duplicate of another request.")
    assert "line 1" in message


def test_one_model_per_file() -> None:
    checked = batch_input.check(jsonl(line("a"), line("b", model="gpt-4o")), CHAT)
    assert codes(checked) == [("mismatched_model", 2, "body.model")]
    assert (
        "'gpt-4o'" in checked.errors[0]["message"]
        and "'gpt-4o-mini'" in checked.errors[0]["message"]
    )


def test_an_empty_file_is_refused() -> None:
    assert codes(batch_input.check(b"\n\n", CHAT)) == [("empty_file", None, None)]


def test_the_request_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_input, "MAX_REQUESTS", 2)
    checked = batch_input.check(jsonl(line("a"), line("b"), line("c")), CHAT)
    assert codes(checked) == [("too_many_tasks", None, None)]
    assert "3 requests" in checked.errors[0]["message"]


def test_the_embedding_input_limit_counts_inputs_over_all_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batch_input, "MAX_EMBEDDING_INPUTS", 3)

    def embed(custom_id: str, given: Any) -> dict[str, Any]:
        body = {"model": "text-embedding-3-small", "input": given}
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/embeddings", "body": body}

    ok = jsonl(embed("a", ["x", "y"]), embed("b", [1, 2, 3]))  # token ids are one input
    assert batch_input.check(ok, "/v1/embeddings").errors == []
    over = jsonl(embed("a", ["x", "y"]), embed("b", ["z", "w"]))
    assert codes(batch_input.check(over, "/v1/embeddings")) == [("too_many_tasks", None, None)]


def test_errors_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_input, "MAX_ERRORS", 2)
    checked = batch_input.check(b"x\n" * 5, CHAT)
    assert [e["line"] for e in checked.errors] == [1, 2]


def test_lines_and_custom_ids_read_the_requests_back() -> None:
    data = jsonl(line("a"), b"garbage", {"custom_id": "c", "method": "POST"}, line("d"))
    assert [(x.number, x.custom_id, x.url) for x in batch_input.lines(data)] == [
        (1, "a", CHAT),
        (4, "d", CHAT),
    ]
    assert list(batch_input.custom_ids(data)) == [(1, "a"), (3, "c"), (4, "d")]
