"""The Responses API's ``code_interpreter`` tool in synthesis. **No code is executed.**

A request whose ``tools`` hold ``{"type": "code_interpreter", "container": ...}`` is
answered, when no fixture matched, by :func:`answer`:

* the container is checked first, whether or not the tool is called: an explicit
  ``"cntr_..."`` must be a container the server made (the API's 404 ``Container with
  id '...' not found.``) that has not expired (its 400 ``Container is expired.``);
* the model calls the tool by the rule of :mod:`~mockapi.endpoints.responses.hosted`
  (``tool_choice: {"type": "code_interpreter"}`` forces it);
* the call runs in the explicit container, or for ``"auto"`` (the string) or
  ``{"type": "auto", "file_ids", "memory_limit"}`` in the container of the
  conversation's last code interpreter call when it is still there (so a chained turn
  reuses it, and gets the API's 400 once it has expired), else in a new container
  (named :data:`AUTO_NAME`, holding copies of ``file_ids``) that ``containers.list``
  shows. The call is a use of the container: its ``last_active_at`` moves to now;
* the output gets a ``code_interpreter_call`` item (``ci_...``, ``status:
  completed``, ``container_id``) before the message (after a reasoning item), whose
  ``code`` is a short deterministic Python snippet about the question
  (:func:`snippet`): an arithmetic expression in the question is computed, else the
  container's files are listed, else the question's words are counted. ``outputs`` is
  ``[{"type": "logs", "logs": ...}]`` when ``include`` asks for
  ``code_interpreter_call.outputs``, else null; the logs are what the snippet prints,
  worked out by the mock itself (the arithmetic through a small evaluator of numbers
  and operators), never by running it;
* the message then reports the result (``17 * 23 = 391``; the files listed) when the
  answer is plain text (no structured ``text.format``, no ``max_output_tokens``, no
  logprobs, no citations); otherwise, and for the word count, the synthesized message
  stands;
* the code counts as output tokens, as the model writes it.

Assumed where the API is not documented: the auto container's name, that an ``auto``
container is made only when the tool is called (the API makes one for every request
with the tool, even when the model does not call it), and an ``auto`` tool's
``file_ids`` checked only then.

Streamed, :func:`stream_events` gives the call's events between
``response.output_item.added`` and ``.done``, in the API's order:
``response.code_interpreter_call.in_progress``, ``response.code_interpreter_call_code.
delta`` pieces, ``.code.done``, ``response.code_interpreter_call.interpreting`` and
``.completed`` (as recorded from gpt-5, 2025-10).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockapi.endpoints.chat.stream import split_text
from mockapi.endpoints.containers import stored
from mockapi.endpoints.endpoint import Context
from mockapi.endpoints.responses import hosted
from mockapi.endpoints.responses.items import new_id
from mockapi.wire import tokens
from mockapi.wire.canonical import ordered

KIND = "code_interpreter"
CALL = "code_interpreter_call"
INCLUDE_OUTPUTS = "code_interpreter_call.outputs"
LOGPROBS = "message.output_text.logprobs"
AUTO_NAME = "Code interpreter container"
_CALL_ORDER = ("id", "type", "status", "code", "container_id", "outputs")
_QUOTED = 200
"""The most characters of the question the word-count snippet quotes."""


def answer(
    ctx: Context, synthesized: dict[str, Any], history: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """``synthesized`` (a response body from :func:`~mockapi.endpoints.responses.
    synthesis.synthesize`) with the code interpreter called, when the request has the
    tool and the model would call it; unchanged without the tool."""
    found = _tool(ctx.body)
    if found is None:
        return synthesized
    number, tool = found
    container = tool.get("container")
    if container == "auto":  # the string stands for the object, as the SDK's docs use it
        container = {"type": "auto"}
    if isinstance(container, str):
        stored.running(ctx, container)
    output = [i for i in synthesized.get("output") or [] if isinstance(i, dict)]
    asked = hosted.question(ctx.body, history, output, KIND)
    if asked is None:
        return synthesized
    container_id = _container(ctx, container, history, f"tools[{number}].container")
    written = snippet(asked, stored.files_of(ctx, container_id))
    wants_logs = INCLUDE_OUTPUTS in (ctx.body.get("include") or [])
    call = {
        "id": new_id("ci"),
        "type": CALL,
        "status": "completed",
        "code": written.code,
        "container_id": container_id,
        "outputs": [{"type": "logs", "logs": written.logs}] if wants_logs else None,
    }
    model = str(ctx.body.get("model") or tokens.DEFAULT_MODEL)
    more = tokens.count_text(written.code, model)
    if written.said is not None and _plain(ctx.body):
        output, change = _reported(output, written.said, model)
        more += change
    at = next((n for n, item in enumerate(output) if item.get("type") != "reasoning"), len(output))
    body = dict(synthesized)
    body["output"] = [*output[:at], ordered(call, _CALL_ORDER), *output[at:]]
    usage = body.get("usage")
    if isinstance(usage, dict):
        body["usage"] = {
            **usage,
            "output_tokens": int(usage.get("output_tokens", 0)) + more,
            "total_tokens": int(usage.get("total_tokens", 0)) + more,
        }
    return body


def _plain(request: Mapping[str, Any]) -> bool:
    """Whether the answer is free text with no length limit and no logprobs (a
    structured, cut or scored answer keeps the synthesized message)."""
    given = request.get("text")
    fmt = given.get("format") if isinstance(given, dict) else None
    structured = isinstance(fmt, dict) and fmt.get("type") not in (None, "text")
    scored = LOGPROBS in (request.get("include") or [])
    return not (structured or scored) and request.get("max_output_tokens") is None


def _reported(
    output: list[dict[str, Any]], said: str, model: str
) -> tuple[list[dict[str, Any]], int]:
    """``output`` with its plain text message saying ``said`` instead (its id, phase and
    status kept), and how many more output tokens that is. A message with annotations
    (a file search's citations) or several parts is left as it is."""
    changed = []
    more = 0
    for item in output:
        parts = item.get("content") if item.get("type") == "message" else None
        if isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], dict):
            part = parts[0]
            if part.get("type") == "output_text" and not part.get("annotations"):
                old = str(part.get("text", ""))
                more += tokens.count_text(said, model) - tokens.count_text(old, model)
                item = {**item, "content": [{**part, "text": said, "logprobs": []}]}
        changed.append(item)
    return changed, more


def _tool(request: Mapping[str, Any]) -> tuple[int, Mapping[str, Any]] | None:
    """The request's (first) ``code_interpreter`` tool and its index, if any."""
    for number, tool in enumerate(request.get("tools") or []):
        if isinstance(tool, dict) and tool.get("type") == KIND:
            return number, tool
    return None


def _container(ctx: Context, given: Any, history: Sequence[Mapping[str, Any]], param: str) -> str:
    """The id of the container the call runs in (used: its idle time restarts)."""
    if isinstance(given, str):
        return str(stored.use(ctx, given)["id"])
    earlier = [i.get("container_id") for i in history if i.get("type") == CALL]
    for container_id in reversed(earlier):
        if isinstance(container_id, str) and ctx.state.get(stored.KIND, container_id):
            return str(stored.use(ctx, container_id)["id"])
    auto = given if isinstance(given, dict) else {}
    policy = auto.get("network_policy")
    made = stored.create(
        ctx,
        name=AUTO_NAME,
        memory_limit=auto.get("memory_limit"),
        network_policy=policy if isinstance(policy, dict) else None,
        file_ids=[str(f) for f in auto.get("file_ids") or []],
        file_param=f"{param}.file_ids",
    )
    return str(made["id"])


# -- the code and what it prints -----------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """The code the model writes, what it prints, and what the answer then says (None:
    the synthesized message stands)."""

    code: str
    logs: str
    said: str | None = None


def snippet(question: str, files: Sequence[Mapping[str, Any]]) -> Snippet:
    """The Python the model writes for ``question`` in a container holding ``files``,
    what it would print, and the answer (see the module docstring): deterministic."""
    expression = arithmetic(question)
    if expression is not None:
        text, value = expression
        return Snippet(f"result = {text}\nprint(result)", f"{value}\n", f"{text} = {value}")
    if files:
        sizes = {str(f.get("path", "")).rsplit("/", 1)[-1]: f.get("bytes") for f in files}
        code = (
            "import os\n\n"
            f'for name in sorted(os.listdir("{stored.DATA_DIR}")):\n'
            f'    print(name, os.path.getsize(os.path.join("{stored.DATA_DIR}", name)))'
        )
        listed = [f"{name} ({sizes[name]} bytes)" for name in sorted(sizes)]
        said = f"The container holds {len(listed)} file(s) in {stored.DATA_DIR}: "
        said += ", ".join(listed)
        return Snippet(code, "".join(f"{name} {sizes[name]}\n" for name in sorted(sizes)), said)
    quoted = " ".join(question.split())[:_QUOTED]
    code = (
        f"text = {quoted!r}\n"
        "words = text.split()\n"
        'print(len(words), "words,", len(text), "characters")'
    )
    return Snippet(code, f"{len(quoted.split())} words, {len(quoted)} characters\n")


_SIGNS = ".,+\\-*/%^\u00d7\u00f7()\\s"
"""Digits go with these: separators, operators (``\u00d7`` and ``\u00f7`` too), brackets."""
_EXPRESSION = re.compile(f"[\\d{_SIGNS}]*\\d[\\d{_SIGNS}]*")
"""A run of digits, operators, brackets and spaces: where an expression may be."""
_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_MAX_POWER = 64
_MAX_MAGNITUDE = 10**100


def arithmetic(question: str) -> tuple[str, int | float] | None:
    """The longest arithmetic expression in ``question`` written as Python (``^`` as
    ``**``, the multiplication and division signs as ``*`` and ``/``, no thousands
    separators) and its value, or None when there is none or it cannot be computed
    safely (a huge power, a division by zero)."""
    candidates = sorted(_EXPRESSION.findall(question), key=len, reverse=True)
    for found in candidates:  # the longest first
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", found.strip())
        text = text.replace("^", "**").replace("\u00d7", "*").replace("\u00f7", "/")
        text = " ".join(text.split()).strip(" ,.")
        try:
            tree = ast.parse(text, mode="eval")
            value = _evaluate(tree.body)
        except (SyntaxError, ValueError, ArithmeticError):
            continue
        if isinstance(tree.body, ast.BinOp):
            return text, value
    return None


def _evaluate(node: ast.AST) -> int | float:
    """The value of an expression of numbers and operators; ValueError for anything else."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > _MAX_POWER or abs(left) > 10**6):
            raise ValueError("too large a power to work out")
        value = _OPERATORS[type(node.op)](left, right)
        if isinstance(value, complex) or abs(value) > _MAX_MAGNITUDE:
            raise ValueError("too large a value to work out")
        return value  # type: ignore[no-any-return]
    raise ValueError(f"not arithmetic: {ast.dump(node)}")


# -- streamed ------------------------------------------------------------------------------


def started(item: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a call as ``response.output_item.added`` shows it: no code yet, no
    outputs (an empty list when outputs were asked for, as recorded)."""
    return {"code": "", "outputs": [] if isinstance(item.get("outputs"), list) else None}


def stream_events(
    item: Mapping[str, Any], index: int, pad: Callable[[str], str] | None
) -> list[tuple[str, dict[str, Any]]]:
    """The (type, fields) of the events streamed for the call ``item`` between its
    ``output_item.added`` and ``.done``; ``pad`` gives each delta's ``obfuscation``."""
    where = {"item_id": item.get("id", ""), "output_index": index}
    code = str(item.get("code") or "")
    events = [("response.code_interpreter_call.in_progress", dict(where))]
    for piece in split_text(code):
        delta = {"delta": piece, **where}
        if pad is not None:
            delta["obfuscation"] = pad(piece)
        events.append(("response.code_interpreter_call_code.delta", delta))
    events.append(("response.code_interpreter_call_code.done", {"code": code, **where}))
    events.append(("response.code_interpreter_call.interpreting", dict(where)))
    events.append(("response.code_interpreter_call.completed", dict(where)))
    return events
