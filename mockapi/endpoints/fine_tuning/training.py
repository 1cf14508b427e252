"""A training (or validation) file checked as the API checks it when a job validates it.

The API checks a file's content asynchronously: the create answers ``validating_files``
and a bad file ends the job ``failed`` with ``error: {code, message, param}``. Pure:
bytes in, :class:`Checked` out. What is checked, in this order (the first problem is
the job's error):

1. the bytes are UTF-8 JSON lines (blank lines are skipped), each one a JSON object;
2. the file's format, told by its first example, is the one the method trains on:
   ``messages`` (chat) for ``supervised`` (or ``prompt``/``completion`` pairs for
   babbage-002 and davinci-002), ``input`` + ``preferred_output`` +
   ``non_preferred_output`` (preference) for ``dpo``, ``messages`` for
   ``reinforcement``. Otherwise the API's message, seen in real answers: "Input file
   file-... is in the fine-tune-chat format, but the specified fine-tuning job is not
   using 'supervised' as the training method (provided method=dpo). ";
3. every example has that shape: messages are objects with a known ``role`` (a
   missing one is pydantic's "Discriminator 'role' is missing in value", as the API
   words it), a chat example has an ``assistant`` message to train on (and ``weight``
   0 or 1 on it), a preference example's outputs are assistant messages, a
   reinforcement example ends with the prompt (not an assistant message) and has every
   ``item.*`` field its grader reads (``{{item.answer}}``);
4. a training file has at least :data:`MIN_EXAMPLES` examples: else ``invalid_n_examples``
   "Training file has 5 example(s), but must have at least 10 examples" (the API's
   wording and code).

Problems 1-3 are ``invalid_training_file`` (``invalid_validation_file`` for a
validation file: assumed by symmetry) with the API's prefix "The job failed due to an
invalid training file. Invalid file format. " and the example's place: "Example 3,
message 2 ..." (the API's form; an example is a line, so 3 is the line's number) or
"Line 3 is not valid JSON: ..." (wording assumed). ``param`` names the file's parameter.

Tokens (:attr:`Checked.tokens`, one epoch's worth) are counted with the real tokenizer
of the base model (:mod:`mockapi.wire.tokens`): a chat example as its prompt would be
counted (messages and tools), a preference example its input and both outputs, a
completion pair its two texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mockapi.wire import tokens

MIN_EXAMPLES = 10
"""The fewest examples a training file may have (the API's minimum)."""
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
"""The roles a training message may have."""
INVALID_TRAINING_FILE = "invalid_training_file"
INVALID_VALIDATION_FILE = "invalid_validation_file"
INVALID_N_EXAMPLES = "invalid_n_examples"

_CHAT, _PREFERENCE, _COMPLETION = "fine-tune-chat", "fine-tune-preference", "fine-tune-completion"
_FORMAT_OF = {"supervised": _CHAT, "dpo": _PREFERENCE, "reinforcement": _CHAT}
_METHOD_OF = {_CHAT: "supervised", _PREFERENCE: "dpo", _COMPLETION: "supervised"}
_ITEM_FIELD = re.compile(r"\{\{\s*item\.([A-Za-z0-9_]+)")


@dataclass(frozen=True)
class Problem:
    """Why a file fails its job: the job's ``error``."""

    code: str
    message: str
    param: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "param": self.param}


@dataclass(frozen=True)
class Checked:
    """What a file holds: its examples and one epoch's tokens, or its problem."""

    examples: int = 0
    tokens: int = 0
    problem: Problem | None = None


class _Bad(Exception):
    """One example's problem (the text after the file's prefix): never leaves here."""


def check(
    data: bytes,
    *,
    file_id: str,
    method: str,
    model: str,
    grader: Mapping[str, Any] | None = None,
    param: str = "training_file",
    completion_model: bool = False,
) -> Checked:
    """Check ``data`` (the file ``file_id``) for a ``method`` job on ``model`` (a
    completion model trains on prompt/completion pairs); see the module docstring.
    ``param`` is ``training_file`` or ``validation_file``; only a training file needs
    :data:`MIN_EXAMPLES` examples."""
    training = param == "training_file"
    code = INVALID_TRAINING_FILE if training else INVALID_VALIDATION_FILE
    prefix = f"The job failed due to an invalid {param.replace('_file', '')} file. "
    wanted = _COMPLETION if completion_model else _FORMAT_OF[method]
    fields = _grader_fields(grader) if method == "reinforcement" else ()
    examples = counted = 0
    try:
        for number, example in _examples(data):
            if examples == 0:
                _check_format(example, wanted, file_id, method)
            counted += _check_example(example, number, wanted, method, fields, model)
            examples += 1
    except _Bad as bad:
        return Checked(problem=Problem(code, prefix + str(bad), param))
    if training and examples < MIN_EXAMPLES:
        message = (
            f"Training file has {examples} example(s), but must have at least "
            f"{MIN_EXAMPLES} examples"
        )
        return Checked(problem=Problem(INVALID_N_EXAMPLES, message, param))
    return Checked(examples, counted)


def _examples(data: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each non-blank line's number (1-based) and its JSON object."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Bad(
            f"Invalid file format. The file is not UTF-8 text (byte {exc.start}); "
            "save it as UTF-8 JSON lines."
        ) from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise _Bad(f"Invalid file format. Line {number} is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise _Bad(
                f"Invalid file format. Line {number} is not a JSON object (each line "
                "is one example: a JSON object)."
            )
        yield number, value


def _format_of(example: Mapping[str, Any]) -> str | None:
    if "input" in example or "preferred_output" in example:
        return _PREFERENCE
    if "messages" in example:
        return _CHAT
    if "prompt" in example and "completion" in example:
        return _COMPLETION
    return None


def _check_format(example: Mapping[str, Any], wanted: str, file_id: str, method: str) -> None:
    found = _format_of(example)
    if found is None or (found == _COMPLETION) != (wanted == _COMPLETION):
        expected = "prompt/completion pairs" if wanted == _COMPLETION else "chat messages"
        raise _Bad(f"Unexpected file format, expected {expected}.")
    if found != wanted:
        raise _Bad(
            f"Invalid file format. Input file {file_id} is in the {found} format, but the "
            f"specified fine-tuning job is not using '{_METHOD_OF[found]}' as the training "
            f"method (provided method={method}). "
        )


def _check_example(
    example: Mapping[str, Any],
    number: int,
    wanted: str,
    method: str,
    fields: tuple[str, ...],
    model: str,
) -> int:
    """The example's tokens, after checking its shape (:class:`_Bad` otherwise)."""
    if _format_of(example) != wanted:
        raise _Bad(
            f"Invalid file format. Example {number} is not in the {wanted} format of the "
            "examples before it."
        )
    if wanted == _COMPLETION:
        return _completion(example, number, model)
    if wanted == _PREFERENCE:
        return _preference(example, number, model)
    messages = _messages(example.get("messages"), number, "messages")
    if method == "reinforcement":
        return _reinforcement(example, messages, number, fields, model)
    trained = [m for m in messages if m.get("role") == "assistant"]
    if not trained:
        raise _Bad(
            f"Invalid file format. Example {number}, messages: no message has role "
            "'assistant'; each example needs at least one assistant message to train on."
        )
    for index, message in enumerate(messages, 1):
        if "weight" in message and message.get("weight") not in (0, 1):
            raise _Bad(
                f"Invalid file format. Example {number}, message {index}: 'weight' must "
                f"be 0 or 1, got {message.get('weight')!r}."
            )
    return tokens.count_messages(messages, example.get("tools"), model=model)


def _messages(value: Any, number: int, where: str) -> list[dict[str, Any]]:
    """The example's messages, each checked (an object with a known role)."""
    if not isinstance(value, list) or not value:
        raise _Bad(f"Invalid file format. Example {number}: '{where}' must be a non-empty list.")
    for index, message in enumerate(value, 1):
        place = f"Example {number}, message {index}"
        if not isinstance(message, dict):
            raise _Bad(f"Invalid file format. {place}: a message is a JSON object.")
        role = message.get("role")
        if role is None:
            raise _Bad(f"Invalid file format. {place} Discriminator 'role' is missing in value")
        if role not in ROLES:
            tags = ", ".join(f"'{r}'" for r in ROLES)
            raise _Bad(
                f"Invalid file format. {place} Input tag '{role}' found using 'role' does "
                f"not match any of the expected tags: {tags}"
            )
        calls = message.get("tool_calls") or message.get("function_call")
        if role in ("system", "developer", "user") and message.get("content") is None:
            raise _Bad(f"Invalid file format. {place}: a '{role}' message needs 'content'.")
        if role == "assistant" and message.get("content") is None and not calls:
            raise _Bad(
                f"Invalid file format. {place}: an 'assistant' message needs 'content' or "
                "'tool_calls'."
            )
    return value


def _preference(example: Mapping[str, Any], number: int, model: str) -> int:
    given = example.get("input")
    if not isinstance(given, dict):
        raise _Bad(
            f"Invalid file format. Example {number}: 'input' must be an object with 'messages'."
        )
    prompt = _messages(given.get("messages"), number, "input.messages")
    outputs: list[dict[str, Any]] = []
    for name in ("preferred_output", "non_preferred_output"):
        output = _messages(example.get(name), number, name)
        if any(m.get("role") != "assistant" for m in output):
            raise _Bad(
                f"Invalid file format. Example {number}: '{name}' must hold assistant "
                "messages only."
            )
        outputs.extend(output)
    return tokens.count_messages([*prompt, *outputs], given.get("tools"), model=model)


def _reinforcement(
    example: Mapping[str, Any],
    messages: list[dict[str, Any]],
    number: int,
    fields: tuple[str, ...],
    model: str,
) -> int:
    if messages[-1].get("role") == "assistant":
        raise _Bad(
            f"Invalid file format. Example {number}: the last message is the assistant's; "
            "a reinforcement example ends with the prompt the model answers."
        )
    for name in fields:
        if name not in example:
            raise _Bad(
                f"Invalid file format. Example {number}: the grader reads item.{name}, "
                "which this example does not have."
            )
    return tokens.count_messages(messages, example.get("tools"), model=model)


def _completion(example: Mapping[str, Any], number: int, model: str) -> int:
    prompt, completion = example.get("prompt"), example.get("completion")
    if not isinstance(prompt, str) or not isinstance(completion, str):
        raise _Bad(
            f"Invalid file format. Example {number}: 'prompt' and 'completion' must be strings."
        )
    return tokens.count_text(prompt, model) + tokens.count_text(completion, model)


def _grader_fields(grader: Any) -> tuple[str, ...]:
    """The ``item.*`` fields a grader's templates read, in order, once each."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(dict.fromkeys(_ITEM_FIELD.findall(value)))
        elif isinstance(value, Mapping):
            for part in value.values():
                walk(part)
        elif isinstance(value, list):
            for part in value:
                walk(part)

    walk(grader)
    return tuple(found)
