"""Which tools a synthesized answer calls, and with what arguments.

The rule, for the request's function tools (narrowed by ``tool_choice:
{"type": "allowed_tools", ...}`` when given):

* ``tool_choice: "none"``, or no function tools: no call, a text answer.
* ``tool_choice: {"type": "function", "function": {"name": N}}``: one call of ``N``.
* ``tool_choice: "required"``: the tools that *apply* (below) and are not yet
  *answered*; when none is left, the *output tool* (pydantic-ai's ``final_result``:
  a name with ``final``, ``output``, ``answer``, ``respond``, ``submit`` or ``finish``),
  else the first tool not yet answered, else the first tool. It calls a tool after a
  ``tool`` message too, as the API's contract says, but it moves on as a model does: a
  function whose result came back since the last user message is *answered* and not
  called again for the same question, so an agent that loops until its output tool is
  called finishes.
* ``"auto"`` (the default): after a ``tool`` message (the last message has role
  ``tool``), a text answer; otherwise the tools that apply, or a text answer when none
  does.

A tool *applies* when one of its words occurs in the last user message (whole words,
case-insensitive, a trailing plural ``s`` ignored): the words of its name split at
``_``, ``-``, ``.`` and camelCase, minus generic verbs (``get``, ``set``, ``list``,
``fetch``, ...), and the words of five letters or more of its description, minus
common ones. With ``parallel_tool_calls`` (default true) every tool that applies is
called, in the order of ``tools``, at most four; with ``parallel_tool_calls: false``
only the first.

Arguments are generated from the function's ``parameters`` schema by
:func:`~mockapi.generate.schema_data.generate` (strict when the function is), seeded
per call, preferring the quoted strings and capitalised names of the question for free
text, so ``"What is the weather in Paris?"`` gives ``{"city": "Paris"}``.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from mockapi.generate import schema_data, text
from mockapi.generate.schema_strings import wordlist

MAX_PARALLEL_CALLS = 4
_GENERIC = frozenset(
    wordlist(
        "get set list fetch find lookup look make create update delete remove add run call do "
        "the and for with from into tool function query search retrieve"
    )
)
_COMMON = frozenset(
    wordlist(
        "about after again against always answer around based because before being below "
        "between called could current describe details every given might other return returns "
        "should specified their there these thing those through under using value values "
        "where which while within without would"
    )
)
_ALPHANUM = string.ascii_letters + string.digits
# Words that name an output tool: the call that ends an agent's run with its result.
_OUTPUT_WORDS = frozenset(wordlist("final output answer respond submit finish"))


def functions_of(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The function definitions among the request's ``tools``."""
    found = []
    for tool in request.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            found.append(function)
    return found


def chosen(request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The functions to call for ``request`` (empty: answer in text); see the module doc."""
    functions = functions_of(request)
    choice = request.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        allowed: dict[str, Any] = choice.get("allowed_tools") or {}
        allowed = allowed if isinstance(allowed, dict) else {}
        names = {_tool_name(t) for t in allowed.get("tools") or []}
        functions = [f for f in functions if f["name"] in names]
        choice = "required" if allowed.get("mode") == "required" else "auto"
    if not functions or choice == "none":
        return []
    if isinstance(choice, dict):
        wanted = _tool_name(choice)
        return [f for f in functions if f["name"] == wanted][:1]
    messages = [m for m in request.get("messages") or [] if isinstance(m, dict)]
    after_tool = bool(messages) and messages[-1].get("role") == "tool"
    if choice != "required" and after_tool:
        return []
    done = answered(messages)
    matching = [f for f in applicable(functions, last_user_text(messages)) if f["name"] not in done]
    if choice == "required" and not matching:
        matching = _moving_on(functions, done)
    limit = MAX_PARALLEL_CALLS if request.get("parallel_tool_calls", True) is not False else 1
    return matching[:limit]


def answered(messages: Sequence[Mapping[str, Any]]) -> set[str]:
    """The functions called since the last user message whose result is in the history."""
    start = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    names: dict[str, str] = {}
    done: set[str] = set()
    for message in messages[start + 1 :]:
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                names[str(call.get("id"))] = str(call["function"].get("name", ""))
        if message.get("role") == "tool":
            done.add(names.get(str(message.get("tool_call_id")), ""))
    return done - {""}


def _moving_on(functions: Sequence[dict[str, Any]], done: set[str]) -> list[dict[str, Any]]:
    """The one call ``"required"`` makes when no unanswered tool applies (module doc)."""
    fresh = [f for f in functions if f["name"] not in done]
    finals = [f for f in functions if _OUTPUT_WORDS & _name_words(f["name"])]
    return ([f for f in finals if f in fresh] or finals or fresh or list(functions))[:1]


def applicable(functions: Sequence[dict[str, Any]], question: str) -> list[dict[str, Any]]:
    """The functions whose name or description words occur in ``question``."""
    said = _words(question)
    return [f for f in functions if _function_words(f) & said]


def tool_calls(
    functions: Sequence[dict[str, Any]], question: str, seed: str
) -> list[dict[str, Any]]:
    """``tool_calls`` entries calling ``functions``, with valid, seeded arguments."""
    calls = []
    for index, function in enumerate(functions):
        call_seed = f"{seed}:call:{index}:{function['name']}"
        arguments = arguments_for(function, question, call_seed)
        calls.append(
            {
                "id": "call_" + _token(call_seed, 24),
                "type": "function",
                "function": {"name": function["name"], "arguments": arguments},
            }
        )
    return calls


def arguments_for(function: Mapping[str, Any], question: str, seed: str) -> str:
    """JSON arguments valid against the function's ``parameters`` (compact, as the API)."""
    parameters = function.get("parameters")
    if not isinstance(parameters, dict) or not parameters:
        parameters = {"type": "object", "properties": {}}
    words = text.phrases(question) or [text.topic_of(question)] if question.strip() else []
    try:
        value = schema_data.generate(
            parameters, seed=seed, strict=function.get("strict") is True, words=words
        )
    except schema_data.SchemaDataError:
        value = {}
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text of the last ``user`` message ("" when there is none)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                parts = [p.get("text") for p in content if isinstance(p, dict)]
                return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def tool_results(messages: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(function name, output)`` for the ``tool`` messages that end the conversation."""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                names[str(call.get("id"))] = str(call["function"].get("name", ""))
    results: list[tuple[str, str]] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        name = names.get(str(message.get("tool_call_id")), "")
        results.insert(0, (name, content if isinstance(content, str) else json.dumps(content)))
    return results


def said(results: Sequence[tuple[str, str]]) -> list[str]:
    """The values tool outputs report, for the strings of an answer built on them: the
    short strings of a JSON output, in order; the phrases of a text output."""
    found: list[str] = []
    for _, output in results:
        try:
            pending: list[Any] = [json.loads(output)]
        except ValueError:
            found += text.phrases(output)
            continue
        while pending:
            value = pending.pop(0)
            if isinstance(value, str) and 0 < len(value) <= 60:
                found.append(value)
            elif isinstance(value, dict):
                pending += list(value.values())
            elif isinstance(value, list):
                pending += value
    return found


def _tool_name(choice: Any) -> str | None:
    if not isinstance(choice, dict):
        return None
    function = choice.get("function")
    name = function.get("name") if isinstance(function, dict) else choice.get("name")
    return name if isinstance(name, str) else None


def _words(text_: str) -> set[str]:
    found = set()
    for word in re.findall(r"[a-z0-9]+", text_.lower()):
        found.add(word)
        if len(word) > 3 and word.endswith("s"):
            found.add(word[:-1])
    return found


def _name_words(name: str) -> set[str]:
    """The words of a function name, split at ``_``, ``-``, ``.`` and camelCase."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {w for w in re.split(r"[\W_]+", spaced.lower()) if w}


def _function_words(function: Mapping[str, Any]) -> set[str]:
    words = {w for w in _name_words(str(function.get("name", ""))) if len(w) >= 3} - _GENERIC
    description = function.get("description")
    if isinstance(description, str):
        long_words = {w for w in re.findall(r"[a-z]+", description.lower()) if len(w) >= 5}
        words |= long_words - _COMMON
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words}


def _token(seed: str, length: int) -> str:
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, len(_ALPHANUM))
        out.append(_ALPHANUM[digit])
    return "".join(out)
