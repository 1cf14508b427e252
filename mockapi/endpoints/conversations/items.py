"""A conversation's items: their stored form, and how a list or retrieve shows them.

A conversation holds the Responses API's items (the SDK's ``ConversationItem`` is the
union of a response's output item types, user messages included). An item arrives as
an input item (``conversations.create``, ``conversations.items.create``, or a
response's ``input``: a string content, no status) or as a response's output item
(already complete); the conversation keeps it as the API lists it:

* a message: ``type``, ``id``, ``status: "completed"``, ``role``, ``content`` as typed
  parts (``input_text`` for what the user, system or developer said, ``output_text``
  for the assistant), the order of the API reference's examples;
* a function call or its output: with its ``status``; any other item as given.

What ``include`` asks for is kept with the item and shown only when asked for
(:func:`shown`): the logprobs of output text, a reasoning item's
``encrypted_content``, file search results, code interpreter outputs, web search
sources and input image URLs. Without it those read as the API leaves them out
(empty logprobs, null results, no encrypted content).

Pure: no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from mockapi.endpoints.responses.items import stored_item
from mockapi.wire.canonical import ordered

PREFIXES = {
    "message": "msg_",
    "function_call": "fc_",
    "function_call_output": "fco_",
    "reasoning": "rs_",
    "file_search_call": "fs_",
    "web_search_call": "ws_",
    "computer_call": "cu_",
    "computer_call_output": "cuo_",
    "code_interpreter_call": "ci_",
    "image_generation_call": "ig_",
    "custom_tool_call": "ctc_",
    "custom_tool_call_output": "ctco_",
}
"""The id prefix of each item type, as the API issues them (``item_`` for others)."""
_MESSAGE_ORDER = ("type", "id", "status", "role", "content", "phase")

LOGPROBS = "message.output_text.logprobs"
ENCRYPTED_REASONING = "reasoning.encrypted_content"
FILE_SEARCH_RESULTS = "file_search_call.results"
CODE_OUTPUTS = "code_interpreter_call.outputs"
WEB_SOURCES = "web_search_call.action.sources"
IMAGE_URLS = "message.input_image.image_url"


def prefix_of(item: Mapping[str, Any]) -> str:
    """The id prefix of ``item``'s type."""
    return PREFIXES.get(str(item.get("type", "message")), "item_")


def from_input(item: Mapping[str, Any]) -> dict[str, Any]:
    """An input item as the conversation keeps it (``item`` carries its ``id``)."""
    kept = stored_item(item)
    if kept.get("type") != "message":
        return kept
    kept.setdefault("status", "completed")
    if "phase" in item:
        kept["phase"] = item["phase"]
    return ordered(kept, _MESSAGE_ORDER)


def include_of(query: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The ``include`` values of a query string (``include[]=a`` as the SDK sends it,
    or ``include=a``)."""
    return frozenset(value for key, value in query if key in ("include", "include[]"))


def shown(item: Mapping[str, Any], include: Collection[str]) -> dict[str, Any]:
    """``item`` as a list or retrieve answers it: what ``include`` does not ask for
    left out (see the module docstring)."""
    out = copy.deepcopy(dict(item))
    kind = out.get("type")
    if kind == "message":
        for part in out.get("content") or []:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "output_text" and LOGPROBS not in include:
                part["logprobs"] = []
            if part.get("type") == "input_image" and IMAGE_URLS not in include:
                part["image_url"] = None
    elif kind == "reasoning" and ENCRYPTED_REASONING not in include:
        out.pop("encrypted_content", None)
    elif kind == "file_search_call" and FILE_SEARCH_RESULTS not in include:
        out["results"] = None
    elif kind == "code_interpreter_call" and CODE_OUTPUTS not in include:
        out["outputs"] = None
    elif kind == "web_search_call" and WEB_SOURCES not in include:
        action = out.get("action")
        if isinstance(action, dict):
            action.pop("sources", None)
    return out
