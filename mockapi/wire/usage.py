"""Usage in streams: the ``stream_options.include_usage`` option and the chunk it adds.

Chat Completions and legacy Completions stream usage the same way: a request with
``"stream_options": {"include_usage": true}`` gets one more chunk before ``[DONE]``,
with ``"choices": []`` and a ``usage`` object (the token counts); without the option
there is no such chunk. Recorded streams (``../shared/real-traffic``) always show that
chunk with a real object, so a chunk whose ``usage`` is ``null`` or missing is not
one, even with no choices: Azure's prompt-filter chunk and a hand-written placeholder
(``{"choices": [], "usage": null}``) both have empty choices and no usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def include_usage(request: Mapping[str, Any]) -> bool:
    """Whether ``request`` (a decoded request body) asks for the final usage chunk."""
    options = request.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def is_usage_chunk(chunk: Any) -> bool:
    """Whether ``chunk`` is the stream's usage chunk: no choices, and a usage object."""
    return (
        isinstance(chunk, dict)
        and chunk.get("choices") == []
        and isinstance(chunk.get("usage"), dict)
    )
