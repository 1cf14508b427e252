"""The OpenAI wire formats and vocabulary, pure: what goes over the connection.

SSE framing, media types, ids in the API's formats, durations as the API writes them,
token counts, Azure URL shapes, ``multipart/form-data`` parsing, credentials (reading
keys, the secret-header list) and the OpenAI response headers (one list), plus the
canonical form that compares JSON by meaning and strict JSON (``jsonbody``: RFC 8259 in,
values any encoder can write out).

May import: nothing of mockapi but ``model`` and ``errors``.
"""
