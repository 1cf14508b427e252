"""Training files checked as the API checks them (mockapi.endpoints.fine_tuning.training):
formats per method, each example's shape with its place in the message, the minimum
of ten examples, grader fields, and tokens counted with the real tokenizer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockapi.endpoints.fine_tuning import training
from mockapi.wire import tokens

PREFIX = "The job failed due to an invalid training file. "


def chat(n: int, **extra: Any) -> dict[str, Any]:
    messages = [
        {"role": "user", "content": f"Capital of country {n}?"},
        {"role": "assistant", "content": f"City {n}."},
    ]
    return {"messages": messages, **extra}


def jsonl(*lines: Any) -> bytes:
    return b"".join((x if isinstance(x, bytes) else json.dumps(x).encode()) + b"\n" for x in lines)


def check(data: bytes, method: str = "supervised", **options: Any) -> training.Checked:
    return training.check(data, file_id="file-abc", method=method, model="gpt-4o-mini", **options)


def test_a_good_chat_file_counts_examples_and_tokens() -> None:
    examples = [chat(n) for n in range(12)]
    checked = check(jsonl(*examples) + b"\n\n")  # blank lines are skipped
    expected = sum(tokens.count_messages(x["messages"], model="gpt-4o-mini") for x in examples)
    assert checked == training.Checked(12, expected)
    assert expected > 12 * 10


def test_ten_examples_are_the_least() -> None:
    assert check(jsonl(*(chat(n) for n in range(10)))).problem is None
    problem = check(jsonl(*(chat(n) for n in range(9)))).problem
    assert problem == training.Problem(
        "invalid_n_examples",
        "Training file has 9 example(s), but must have at least 10 examples",
        "training_file",
    )
    # a validation file needs no minimum, and its problems name it
    validation = check(jsonl(chat(1)), param="validation_file")
    assert validation.problem is None and validation.examples == 1
    broken = check(b"[1]\n", param="validation_file").problem
    assert broken is not None and broken.code == "invalid_validation_file"
    assert broken.param == "validation_file"
    assert broken.message.startswith("The job failed due to an invalid validation file. ")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b"{not json", "Invalid file format. Line 4 is not valid JSON: "),
        (b"[1, 2]", "Invalid file format. Line 4 is not a JSON object"),
        ({"messages": []}, "Example 4: 'messages' must be a non-empty list."),
        ({"messages": ["hi"]}, "Example 4, message 1: a message is a JSON object."),
        (
            {"messages": [{"content": "Hi"}]},
            "Example 4, message 1 Discriminator 'role' is missing in value",
        ),
        (
            {"messages": [{"role": "bot", "content": "Hi"}]},
            "Example 4, message 1 Input tag 'bot' found using 'role' does not match",
        ),
        (
            {"messages": [{"role": "user"}, {"role": "assistant", "content": "x"}]},
            "Example 4, message 1: a 'user' message needs 'content'.",
        ),
        (
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}]},
            "Example 4, message 2: an 'assistant' message needs 'content' or 'tool_calls'.",
        ),
        (
            {"messages": [{"role": "user", "content": "Hi"}]},
            "Example 4, messages: no message has role 'assistant'",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hey", "weight": 2},
                ]
            },
            "Example 4, message 2: 'weight' must be 0 or 1, got 2.",
        ),
        ({"prompt": "a", "completion": "b"}, "Example 4 is not in the fine-tune-chat format"),
    ],
)
def test_a_bad_example_is_named_by_its_line(line: Any, words: str) -> None:
    lines = [chat(n) for n in range(12)]
    problem = check(jsonl(*lines[:3], line, *lines[3:])).problem
    assert problem is not None, words
    assert (problem.code, problem.param) == ("invalid_training_file", "training_file")
    assert problem.message.startswith(PREFIX) and words in problem.message


def test_the_first_example_decides_the_format_and_the_method_must_fit_it() -> None:
    prompt = [{"role": "user", "content": "Hi"}]
    better, worse = (
        [{"role": "assistant", "content": "Hello!"}],
        [{"role": "assistant", "content": "Go away."}],
    )
    preference = {
        "input": {"messages": prompt},
        "preferred_output": better,
        "non_preferred_output": worse,
    }
    dpo = check(jsonl(*[preference] * 10), "dpo")
    expected = tokens.count_messages([*prompt, *better, *worse], model="gpt-4o-mini")
    assert dpo == training.Checked(10, expected * 10)
    as_supervised = check(jsonl(*[preference] * 10)).problem
    assert as_supervised is not None and as_supervised.message == PREFIX + (
        "Invalid file format. Input file file-abc is in the fine-tune-preference format, but "
        "the specified fine-tuning job is not using 'dpo' as the training method "
        "(provided method=supervised). "
    )
    as_dpo = check(jsonl(*(chat(n) for n in range(10))), "dpo").problem
    assert as_dpo is not None and "in the fine-tune-chat format" in as_dpo.message
    assert "(provided method=dpo). " in as_dpo.message
    unknown = check(jsonl(*[{"text": "hi"}] * 10)).problem
    assert unknown is not None and unknown.message == PREFIX + (
        "Unexpected file format, expected chat messages."
    )
    bad_output = {**preference, "preferred_output": [{"role": "user", "content": "x"}]}
    problem = check(jsonl(*[preference] * 10, bad_output), "dpo").problem
    assert problem is not None
    assert "Example 11: 'preferred_output' must hold assistant messages only." in problem.message


def test_reinforcement_examples_end_with_the_prompt_and_carry_the_graders_fields() -> None:
    grader = {
        "type": "multi",
        "graders": {
            "exact": {"type": "string_check", "reference": "{{ item.answer }}"},
            "close": {"type": "text_similarity", "reference": "{{item.explanation}}"},
        },
    }
    prompt = [{"role": "user", "content": "2+2?"}]
    good = {"messages": prompt, "answer": "4", "explanation": "two twos"}
    assert check(jsonl(*[good] * 10), "reinforcement", grader=grader).examples == 10
    lacking = {"messages": prompt, "answer": "4"}
    assert check(jsonl(*[lacking] * 10), "reinforcement").problem is None  # no grader: no field
    problem = check(jsonl(*[good] * 3, lacking), "reinforcement", grader=grader).problem
    assert problem is not None
    assert "Example 4: the grader reads item.explanation" in problem.message
    answered = {**good, "messages": [*prompt, {"role": "assistant", "content": "4"}]}
    problem = check(jsonl(answered), "reinforcement", grader=grader).problem
    assert (
        problem is not None and "Example 1: the last message is the assistant's" in problem.message
    )


def test_completion_models_train_on_prompt_completion_pairs() -> None:
    pair = {"prompt": "Say hi ->", "completion": " hi"}
    checked = check(jsonl(*[pair] * 10), completion_model=True)
    per = tokens.count_text("Say hi ->", "gpt-4o-mini") + tokens.count_text(" hi", "gpt-4o-mini")
    assert checked == training.Checked(10, per * 10)
    chat_file = check(jsonl(*(chat(n) for n in range(10))), completion_model=True).problem
    assert chat_file is not None
    assert chat_file.message == PREFIX + "Unexpected file format, expected prompt/completion pairs."


def test_bytes_that_are_not_utf8_are_refused() -> None:
    problem = check(b"\xff\xfe\x00bad").problem
    assert problem is not None and "not UTF-8 text (byte 0)" in problem.message
