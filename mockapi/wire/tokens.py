"""Token counts for ``usage``: OpenAI's real tokenizers, offline, and the chat accounting.

**Tokenizers.** ``bpe_openai`` ships the ``o200k_base`` and ``cl100k_base`` vocabularies
inside the package, so nothing is downloaded at run time (tiktoken would fetch them).
:mod:`mockapi.wire.tokenizer` loads its Rust tokenizers without its Python layer (a
third of the memory). Building an encoding takes about half a second, so it is
deferred to the first use and each encoding is built once and cached; :func:`warm`
(or :func:`warm_in_background`) pays that cost at server start instead of on the first
request. :func:`encoding_name_for_model` maps model names, dated and fine-tuned ones
included, to their encoding.

**Chat prompts** (:func:`count_prompt`) follow OpenAI's published accounting, extended
with what the recorded traffic in ``../shared/real-traffic`` pins down:

* every message costs 3 tokens (``<|im_start|>``, ``<|im_sep|>``, ``<|im_end|>``) plus
  its role and content, plus 1 and the name when it has a ``name``; the reply is primed
  with 3 more (2 for reasoning models: o1, o3, o4, gpt-5); text parts are counted one
  by one, an image part costs 85 tokens at ``detail: "low"`` and 765 otherwise (the
  price of a 1024x1024 image; the real cost depends on the image size, unknown here);
  audio and file parts cost nothing;
* an assistant message with one tool call is rendered as ``assistant to=functions.NAME``
  plus the 3 tokens of `` <|constrain|>json`` and the arguments, re-serialized as
  compact JSON; several calls become one call of ``multi_tool_use.parallel`` with
  ``{"tool_uses":[{"recipient_name":"functions.NAME","parameters":{...}}, ...]}``;
  a ``tool`` message is authored by the function's name instead of ``tool``;
* tool definitions are rendered as a TypeScript namespace (see :func:`render_tools`)
  and a ``json_schema`` response format as its schema in compact JSON; both go into
  the first system (or developer) message, after ``"\\n\\n"``, or into a new system
  message when there is none. The tool section then costs ``-1`` and ``-1`` per tool:
  two constants fitted to the recordings, not explained by the rendering;
* a ``json_schema`` format that follows a tool section costs 1 token more (a separator
  between the two sections): the structured output + tool recordings
  (``test_openai_native_output``, both turns) pin it; a format alone (crewAI's
  ``response_format_with_pydantic_model``) does not pay it. The two recordings cannot
  tell this rule from "a ``strict: false`` schema costs 1 more" (the strict one has no
  tool); the separator is taken because strictness changes decoding, not the prompt.

With that, all 27 recorded chat requests are counted exactly.

**Completions** (:func:`count_completion`): the text's tokens; a tool call costs its
arguments, `` to=functions.NAME`` and 4 more (within a token of every recorded call).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from mockapi.wire import tokenizer

O200K = "o200k_base"
CL100K = "cl100k_base"
ENCODINGS = (O200K, CL100K)
DEFAULT_MODEL = "gpt-4o-mini"

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
REASONING_REPLY_PRIMING = 2
IMAGE_LOW_DETAIL = 85
IMAGE_HIGH_DETAIL = 765
TOOL_CALL_HEADER = 3  # " <|constrain|>json" between the recipient and the arguments
TOOLS_SECTION = -1
TOOLS_PER_TOOL = -1
FORMAT_AFTER_TOOLS = 1  # the separator between a tool section and a json_schema format
COMPLETION_TOOL_CALL = 4

_CHUNK = 50_000  # characters per tokenizer call (the backend caps one call's size)
_CL100K_PREFIXES = ("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-", "davinci-002", "babbage-002")
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-4-o")
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")

_lock = threading.Lock()
_cache: dict[str, Any] = {}


# -- encodings ---------------------------------------------------------------------------


def encoding_name_for_model(model: str | None) -> str:
    """``"o200k_base"`` or ``"cl100k_base"`` for ``model``; unknown models get o200k.

    Fine-tuned (``ft:gpt-4o-mini:org::id``), provider-prefixed (``openai/gpt-4o``) and
    dated (``gpt-4o-2024-08-06``) names map like their base model: gpt-4o*, gpt-4.1*,
    gpt-5*, o1*, o3*, o4* use o200k_base; gpt-4, gpt-4-turbo, gpt-3.5-turbo and the
    text-embedding models use cl100k_base.
    """
    name = _base_name(model)
    if name.startswith(_CL100K_PREFIXES) and not name.startswith(_O200K_PREFIXES):
        return CL100K
    return O200K


def is_reasoning_model(model: str | None) -> bool:
    """Whether ``model`` is a reasoning model (its reply priming is one token shorter)."""
    name = _base_name(model)
    return name.startswith(_REASONING_PREFIXES) and "chat" not in name


def _base_name(model: str | None) -> str:
    name = (model or "").strip().lower()
    name = name[3:] if name.startswith("ft:") else name
    return name.rsplit("/", 1)[-1]


def _encoding(name: str) -> Any:
    found = _cache.get(name)
    if found is not None:
        return found
    with _lock:
        if name not in _cache:
            # Deferred: building an encoding's tables takes ~0.5 s and ~30 MB (tokenizer.py).
            _cache[name] = tokenizer.load(name)
        return _cache[name]


def warm(names: Iterable[str] = ENCODINGS) -> float:
    """Load the encodings now (import and vocabularies); returns the seconds it took."""
    started = time.perf_counter()
    for name in names:
        _encoding(name)
    return time.perf_counter() - started


def warm_in_background() -> threading.Thread:
    """:func:`warm` in a daemon thread, so that a server can start answering at once."""
    thread = threading.Thread(target=warm, name="mockapi-tokenizer-warmup", daemon=True)
    thread.start()
    return thread


def encode(text: str, model: str | None = None) -> list[int]:
    """The token ids of ``text`` for ``model``'s encoding (special tokens as plain text).

    Text longer than 50,000 characters is encoded in pieces cut at whitespace, which
    may differ from one pass by a token per cut.
    """
    encoding = _encoding(encoding_name_for_model(model))
    out: list[int] = []
    for piece in _pieces(text):
        out.extend(encoding.encode_ordinary(piece))
    return out


def _pieces(text: str) -> Iterable[str]:
    while len(text) > _CHUNK:
        cut = max(text.rfind(" ", 0, _CHUNK), text.rfind("\n", 0, _CHUNK))
        cut = cut if cut > 0 else _CHUNK
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


def decode(tokens: Iterable[int], model: str | None = None) -> str:
    """The text of ``tokens`` (invalid UTF-8 at a cut becomes U+FFFD)."""
    return str(_encoding(encoding_name_for_model(model)).decode(list(tokens)))


def decodes(token: int, model: str | None = None) -> bool:
    """Whether ``model``'s tokenizer decodes the id ``token`` (one outside its vocabulary
    it refuses; a negative one it wraps around, so callers refuse those first)."""
    try:
        decode([token], model)
    except (KeyError, ValueError, OverflowError):
        return False
    return True


def token_bytes(tokens: Iterable[int], model: str | None = None) -> list[bytes]:
    """The bytes of each token (a token may hold part of a UTF-8 character)."""
    encoding = _encoding(encoding_name_for_model(model))
    return [bytes(encoding.decode_single_token_bytes(token)) for token in tokens]


def count_text(text: str, model: str | None = None) -> int:
    """Tokens in ``text`` for ``model``'s encoding (gpt-4o's when not given).

    Short texts are remembered (:func:`_count_short`): a chat answer counts its roles,
    its system prompt and the text it cut to ``max_tokens`` again and again."""
    if not text:
        return 0
    name = encoding_name_for_model(model)
    if len(text) <= _REMEMBERED_CHARS:
        return _count_short(text, name)
    if len(text) <= _CHUNK:  # one tokenizer call, as encode makes for it
        return _count(_encoding(name), text)
    return len(encode(text, model))


_REMEMBERED_CHARS = 512
"""Texts up to this long have their count remembered (at most 4,096 of them: ~2 MB)."""


@functools.lru_cache(maxsize=4096)
def _count_short(text: str, encoding: str) -> int:
    return _count(_encoding(encoding), text)


def _count(encoding: Any, text: str) -> int:
    """Tokens in ``text`` (one tokenizer call's worth): the Rust counter when there is
    one, without a list of ids."""
    if type(encoding) is tokenizer.RustEncoding:
        return encoding.count(text)
    return len(encoding.encode_ordinary(text))


def decode_encoded(tokens: list[int], model: str | None = None) -> str:
    """:func:`decode` of ids that :func:`encode` gave for ``model`` (or a slice of them),
    faster: a text cut to a token limit."""
    encoding = _encoding(encoding_name_for_model(model))
    if type(encoding) is tokenizer.RustEncoding:
        return encoding.decode_encoded(tokens)
    return str(encoding.decode(tokens))


# -- chat prompts ----------------------------------------------------------------------------


def message_text(content: Any) -> str:
    """The text of a message ``content``: a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", p.get("refusal", "")) for p in content if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def count_prompt(request: Mapping[str, Any]) -> int:
    """``prompt_tokens`` for a chat completion request body (see the module docstring)."""
    tools = request.get("tools")
    functions = _functions(tools if isinstance(tools, list) else request.get("functions"))
    model = request.get("model")
    messages = request.get("messages")
    return count_messages(
        messages if isinstance(messages, list) else [],
        functions or None,
        model=model if isinstance(model, str) else None,
        response_format=request.get("response_format"),
    )


def count_messages(
    messages: Iterable[Any],
    tools: Any = None,
    *,
    model: str | None = None,
    response_format: Any = None,
) -> int:
    """``prompt_tokens`` for ``messages`` with these tool definitions and response format.

    ``tools`` may be the request's ``tools`` list or bare function definitions.
    """
    model = model or DEFAULT_MODEL
    listed = [m for m in messages if isinstance(m, dict)]
    functions = _functions(tools)
    sections = [render_tools(functions)] if functions else []
    schema = _response_schema(response_format)
    if schema is not None:
        sections.append(json.dumps(schema, separators=(",", ":"), ensure_ascii=False))
    total = REASONING_REPLY_PRIMING if is_reasoning_model(model) else REPLY_PRIMING
    if sections:
        hidden = "\n\n".join(sections)
        if listed and listed[0].get("role") in ("system", "developer"):
            first = listed[0]
            content = message_text(first.get("content"))
            listed[0] = {**first, "content": f"{content}\n\n{hidden}" if content else hidden}
        else:
            total += TOKENS_PER_MESSAGE + count_text("system", model) + count_text(hidden, model)
    if functions:
        total += TOOLS_SECTION + TOOLS_PER_TOOL * len(functions)
        if schema is not None:
            total += FORMAT_AFTER_TOOLS
    callers: dict[str, str] = {}
    for message in listed:
        total += _message_tokens(message, model, callers)
    return total


def _message_tokens(message: Mapping[str, Any], model: str, callers: dict[str, str]) -> int:
    role = str(message.get("role", ""))
    content = message.get("content")
    calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        calls.append({"function": legacy})
    if role == "assistant" and calls:
        total = 0
        if _content_tokens(content, model):
            total += TOKENS_PER_MESSAGE + count_text(role, model) + _content_tokens(content, model)
        for call in calls:
            if isinstance(call.get("id"), str):
                callers[call["id"]] = str(_function_of(call).get("name", ""))
        recipient, arguments = _call_target(calls)
        header = count_text(f"assistant to={recipient}", model) + TOOL_CALL_HEADER
        return total + TOKENS_PER_MESSAGE + header + count_text(arguments, model)
    if role in ("tool", "function"):
        author = callers.get(str(message.get("tool_call_id")), str(message.get("name") or role))
        return TOKENS_PER_MESSAGE + count_text(author, model) + _content_tokens(content, model)
    total = TOKENS_PER_MESSAGE + count_text(role, model) + _content_tokens(content, model)
    if isinstance(message.get("name"), str):
        total += TOKENS_PER_NAME + count_text(message["name"], model)
    return total


def _function_of(call: Mapping[str, Any]) -> Mapping[str, Any]:
    function = call.get("function")
    return function if isinstance(function, dict) else {}


def _call_target(calls: list[dict[str, Any]]) -> tuple[str, str]:
    """The recipient and arguments text the model saw for one or several calls."""
    if len(calls) == 1:
        function = _function_of(calls[0])
        return f"functions.{function.get('name', '')}", _compact(function.get("arguments"))
    uses = []
    for call in calls:
        function = _function_of(call)
        arguments = _compact(function.get("arguments"))
        try:
            parameters = json.loads(arguments or "{}")
        except ValueError:
            parameters = arguments
        uses.append(
            {"recipient_name": f"functions.{function.get('name', '')}", "parameters": parameters}
        )
    wrapped = json.dumps({"tool_uses": uses}, separators=(",", ":"), ensure_ascii=False)
    return "multi_tool_use.parallel", wrapped


def _compact(arguments: Any) -> str:
    """Arguments as the API stores them: parsed and re-serialized compactly, when JSON."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    try:
        return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return text


def _content_tokens(content: Any, model: str) -> int:
    if isinstance(content, str):
        return count_text(content, model)
    if not isinstance(content, list):
        return 0
    total = 0
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "image_url":
            image = part.get("image_url")
            low = isinstance(image, dict) and image.get("detail") == "low"
            total += IMAGE_LOW_DETAIL if low else IMAGE_HIGH_DETAIL
        elif isinstance(part.get("text"), str):
            total += count_text(part["text"], model)
        elif isinstance(part.get("refusal"), str):
            total += count_text(part["refusal"], model)
    return total


def _response_schema(response_format: Any) -> Any:
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    return spec.get("schema", {}) if isinstance(spec, dict) else None


def _functions(tools: Any) -> list[dict[str, Any]]:
    """Function definitions from a ``tools`` list (or a legacy ``functions`` list)."""
    found: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict):
            continue
        function = tool.get("function") if "function" in tool else tool
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            found.append(function)
    return found


# -- the TypeScript rendering of tools ------------------------------------------------------


def render_tools(functions: Iterable[Mapping[str, Any]]) -> str:
    """Function definitions as the model reads them: a TypeScript ``functions`` namespace.

    The format of OpenAI's harmony renderer (github.com/openai/harmony) and of the
    community's token counters: description lines as ``//`` comments (stripped of
    indentation), ``type NAME = (_: {...}) => any;`` or ``() => any;`` without
    properties, optional properties with ``?``, ``$ref`` resolved, enums as unions,
    a property's description after it as a trailing comment, then its default.
    """
    blocks = []
    for function in functions:
        lines = [f"// {line.strip()}" for line in _description_lines(function)]
        parameters = function.get("parameters")
        if isinstance(parameters, dict) and parameters.get("properties"):
            body = _ts_object(parameters, parameters, 0)
            lines.append(f"type {function.get('name', '')} = (_: {body}) => any;")
        else:
            lines.append(f"type {function.get('name', '')} = () => any;")
        blocks.append("\n".join(lines))
    inner = "\n\n".join(blocks)
    return (
        f"# Tools\n\n## functions\n\nnamespace functions {{\n\n{inner}\n\n}} // namespace functions"
    )


def _description_lines(function: Mapping[str, Any]) -> list[str]:
    description = function.get("description")
    return description.strip().splitlines() if isinstance(description, str) else []


def _ts_object(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> str:
    required: Any = schema.get("required")
    required = required if isinstance(required, list) else []
    lines = []
    properties = schema.get("properties")
    for name, raw in (properties if isinstance(properties, dict) else {}).items():
        prop = _resolve(raw, root)
        mark = "" if name in required else "?"
        line = f"{name}{mark}: {_ts_type(prop, root, depth + 1)},"
        if isinstance(prop.get("description"), str):
            line += f" // {prop['description']}"
        if "default" in prop:
            line += f" // default: {json.dumps(prop['default'], ensure_ascii=False)}"
        lines.append(line)
    return "{\n" + "\n".join(lines) + "\n}"


def _ts_type(schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> str:
    kind = schema.get("type")
    if depth > 8:
        return "any"
    if isinstance(kind, list):
        return " | ".join("number" if k == "integer" else str(k) for k in kind)
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return " | ".join(_ts_type(_resolve(s, root), root, depth + 1) for s in schema[key])
    if kind == "object" or "properties" in schema:
        return _ts_object(schema, root, depth) if schema.get("properties") else "object"
    if kind == "array":
        items = schema.get("items")
        return f"{_ts_type(_resolve(items, root), root, depth + 1)}[]" if items else "any[]"
    simple = {"string": "string", "number": "number", "integer": "number", "boolean": "boolean"}
    return simple.get(str(kind), "null" if kind == "null" else "any")


def _resolve(schema: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """``schema`` with a local ``$ref`` (``#/$defs/X``) followed, its siblings kept."""
    for _ in range(16):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            return schema
        target: Any = root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings} if isinstance(target, dict) else siblings
    return {}


# -- completions ------------------------------------------------------------------------------


def count_completion(message: Any, model: str | None = None) -> int:
    """``completion_tokens`` for one choice's ``message`` (see the module docstring)."""
    if not isinstance(message, dict):
        return 0
    total = _content_tokens(message.get("content"), model or DEFAULT_MODEL)
    if isinstance(message.get("refusal"), str):
        total += count_text(message["refusal"], model)
    calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    if isinstance(message.get("function_call"), dict):
        calls.append({"function": message["function_call"]})
    if calls:
        recipient, arguments = _call_target(calls)
        if len(calls) == 1:
            arguments = str(_function_of(calls[0]).get("arguments", ""))
        total += count_text(f" to={recipient}", model) + count_text(arguments, model)
        total += COMPLETION_TOOL_CALL
    return total
