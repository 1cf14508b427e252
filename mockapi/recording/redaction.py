"""Secret removal for recordings: the one choke point between upstream traffic and disk.

The recorder passes every captured request and response through these functions before
the request key is computed and before any byte is written. Every function returns a
new value and never mutates its input (like VCR.py's filters).

**Headers** (names compared case-insensitively, output names lower-case). These keep
their name and get the placeholder as value, so a reader sees they were sent:
``authorization``, ``proxy-authorization``, ``api-key``, ``x-api-key``,
``ocp-apim-subscription-key`` (Azure), ``openai-organization``, ``openai-project``,
``cookie``, ``set-cookie``, any name in ``RedactionRules.extra_headers``, and any name
that is secret-like (see *Names*, e.g. ``x-goog-api-key``, ``x-auth-token``). In every
other header value, key-like substrings are replaced (see *Patterns*).

**Query strings**: values of secret-like parameters, or of ``key``, ``token``, ``sig``,
``signature``, ``code``, ``auth``, ``credential``, ``x-amz-signature``,
``x-amz-credential``, ``x-goog-signature``, ``x-goog-credential``, become the
placeholder; key-like substrings in other values are replaced.

**Names.** A name is normalised (lower-cased, ``-`` and ``_`` removed: ``apiKey``,
``api-key`` and ``API_KEY`` are all ``apikey``). It is secret-like when it is, or ends
with, one of: ``apikey``, ``authorization``, ``password``, ``passwd``, ``secret``,
``cookie``, ``accesstoken``, ``refreshtoken``, ``authtoken``, ``idtoken``,
``sessiontoken``, ``securitytoken``, ``bearertoken``, ``secretkey``, ``privatekey``,
``subscriptionkey``, ``secretvalue`` (a vault credential's ``secret_value``). Plural
and counting names never match (``max_tokens``, ``total_tokens``, ``prompt_tokens``,
``logit_bias``, ``domain_secrets``).

**JSON bodies** (``redact_json``): a value is replaced by the placeholder when its path
matches one of ``RedactionRules.json_paths``; when its key is secret-like and it is a
string or a number; when its key is ``token``, ``key`` or ``sig`` (weak names: the
Responses API's logprobs carry text under ``token``) and it is a credential-like
string; or when it is a credential-like string anywhere inside a container held by a
secret-like key (``client_secret: {value: "ek_..."}``); and, whatever it looks like,
a body's ``auth.token`` (a vault credential's bearer token, write-only). In every
other string only the key-like substrings are replaced, so a message that pastes a
key keeps its text.

**Patterns** (``looks_like_secret`` / ``scrub_text``, which only replace the match):
OpenAI keys ``sk-`` (``sk-proj-``, ``sk-svcacct-``, ``sk-admin-``...) followed by at
least 20 of ``[A-Za-z0-9_-]``; organization ids ``org-`` and project ids ``proj_``
followed by 20-40 alphanumerics (real ones have 24); the credentials after ``Bearer`` (16+ token
characters including a digit); AWS access key ids (``AKIA``/``ASIA`` + 16); JWTs; and a
value written after a secret-like name with ``=`` or ``:`` (``api_key=...``,
``"password": "..."``: 8+ characters including a digit; after ``key``, ``token`` or
``sig``: a credential-like value, 16+ characters with letters and digits). A bare
32-hex Azure key or any other random-looking string is only redacted in such a named
context: ids like ``chatcmpl-...``, ``call_...``, ``fp_...``, ``resp_...``,
``req_...``, SSE ``obfuscation`` padding and ``encrypted_content`` are left alone.

**Files** (``redact_content``: a file's bytes, uploaded in a multipart part or
downloaded from ``GET /v1/files/{id}/content``). JSONL (every non-blank line a JSON
value: a batch's input and output files) is redacted line by line as *JSON bodies*; a
batch line's ``body`` (the request it stands for) and ``response.body`` (its answer)
are bodies of their own, so ``RedactionRules.json_paths`` apply to them as to a direct
request's. A line that keeps its values keeps its bytes; a changed one is written anew
as compact JSON (or with spaces when it had them). Other UTF-8 text is scrubbed (see
*Patterns*); binary data (audio, images: not UTF-8) is left as it is.

**Response header allowlist** (``filter_response_headers``). A recording keeps only
the upstream headers that change what a client does: ``openai-version``,
``openai-model``, ``retry-after``, ``retry-after-ms`` and ``x-should-retry`` always,
and ``x-ratelimit-*`` only when the status is 429, so rate-limit errors replay
faithfully. Everything else is dropped: dates, ids (``x-request-id``, ``cf-ray``),
timings (``openai-processing-ms``), ``server``, ``alt-svc``,
``strict-transport-security``, cookies, ``openai-organization``/``openai-project``,
framing (``content-length``, ``content-encoding``, ``transfer-encoding``,
``connection``) and ``content-type``, which the server sets itself for JSON and SSE
answers (``capture.py`` keeps the upstream's ``content-type`` of a text or binary
answer beside the recording, so a transcript or an MP3 replays with its own).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockapi.matching.diff import parse_path
from mockapi.wire import jsonbody
from mockapi.wire.credentials import (
    SECRET_HEADERS,
    SECRET_SUFFIXES,
    is_secret_name,
    normal_name,
)

KEPT_RESPONSE_HEADERS = frozenset(
    {"openai-version", "openai-model", "retry-after", "retry-after-ms", "x-should-retry"}
)
"""Upstream response headers a recording keeps whatever the status."""

_WEAK_JSON_NAMES = frozenset({"token", "key", "sig"})
_BUILTIN_PATHS = (("auth", "token"),)
"""Body paths always redacted: a vault credential's ``auth.token`` (``static_bearer``),
which the weak name ``token`` alone would keep unless it looked like a credential."""
_SECRET_QUERY_NAMES = frozenset(
    {"key", "token", "sig", "signature", "code", "auth", "credential"}
    | {"xamzsignature", "xamzcredential", "xgoogsignature", "xgoogcredential"}
)

_TOKEN_CHARS = r"[A-Za-z0-9._~+/=-]"
_CREDENTIAL = re.compile(r"(?=[^\s]*[0-9])(?=[^\s]*[A-Za-z])[A-Za-z0-9._~+/=:-]{16,}")
# A secret-like name as written in text: a suffix with optional separators (api[-_]?key).
_NAMED = "(?:" + "|".join("[-_]?".join(suffix) for suffix in SECRET_SUFFIXES) + ")"
# Each pattern's group "secret" is what gets replaced; the rest of the match is kept.
_PATTERNS = (
    re.compile(r"(?<![A-Za-z0-9_-])(?P<secret>sk-[A-Za-z0-9_-]{20,})"),
    re.compile(r"(?<![A-Za-z0-9])(?P<secret>(?:org-|proj_)[A-Za-z0-9]{20,40})(?![A-Za-z0-9])"),
    re.compile(rf"\b[Bb]earer\s+(?P<secret>(?={_TOKEN_CHARS}*[0-9]){_TOKEN_CHARS}{{16,}})"),
    re.compile(r"(?<![A-Z0-9])(?P<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])"),
    re.compile(r"(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
    re.compile(
        rf"(?i){_NAMED}[\\\"']*\s*[:=]\s*[\\\"']*"
        r"(?P<secret>(?=[^\s\"'\\&,;<>]*[0-9])[^\s\"'\\&,;<>]{8,})"
    ),
    re.compile(
        r"(?i)(?<![A-Za-z0-9_-])(?:key|token|sig)[\\\"']*\s*[:=]\s*[\\\"']*"
        rf"(?P<secret>(?={_TOKEN_CHARS}*[0-9])(?={_TOKEN_CHARS}*[A-Za-z]){_TOKEN_CHARS}{{16,}})"
    ),
)


@dataclass(frozen=True)
class RedactionRules:
    """What to redact beyond the built-in rules, and what to write instead.

    ``extra_headers`` are header names (any case; stored lower-case). ``json_paths``
    are body paths in the fixture ``ignore`` syntax: dotted keys, list indexes and
    ``*`` for every key or item (``metadata.user_email``, ``messages.*.name``).
    """

    extra_headers: frozenset[str] = field(default_factory=frozenset)
    json_paths: tuple[str, ...] = ()
    placeholder: str = "REDACTED"

    def __post_init__(self) -> None:
        headers = frozenset(name.strip().lower() for name in self.extra_headers)
        if "" in headers:
            raise ValueError(f"extra_headers has an empty header name: {self.extra_headers!r}")
        object.__setattr__(self, "extra_headers", headers)
        object.__setattr__(self, "json_paths", tuple(self.json_paths))
        for path in self.json_paths:
            parse_path(path)  # raises ValueError naming the bad path
        if not self.placeholder or any(p.search(self.placeholder) for p in _PATTERNS):
            raise ValueError(
                f"placeholder must be a non-empty non-secret, got {self.placeholder!r}"
            )

    @property
    def parsed_paths(self) -> tuple[tuple[str, ...], ...]:
        return tuple(parse_path(path) for path in self.json_paths)


DEFAULT_RULES = RedactionRules()


def looks_like_secret(value: str) -> bool:
    """True when ``value`` contains a key-like substring that ``scrub_text`` would replace."""
    return any(pattern.search(value) for pattern in _PATTERNS)


def scrub_text(text: str, rules: RedactionRules = DEFAULT_RULES) -> str:
    """``text`` with every key-like substring replaced by the placeholder.

    Only the secret itself is replaced: ``"my key is sk-proj-..."`` becomes
    ``"my key is REDACTED"``, ``api_key=abc...`` becomes ``api_key=REDACTED``. Safe on
    URLs, header values and decoded SSE bodies.
    """

    def replace(match: re.Match[str]) -> str:
        start, end = match.span("secret")
        return (
            match.string[match.start() : start]
            + rules.placeholder
            + match.string[end : match.end()]
        )

    for pattern in _PATTERNS:
        text = pattern.sub(replace, text)
    return text


def scrub_bytes(data: bytes, rules: RedactionRules = DEFAULT_RULES) -> bytes:
    """``scrub_text`` on raw bytes (e.g. an SSE body); non-UTF-8 bytes pass through as-is."""
    text = data.decode("utf-8", "surrogateescape")
    scrubbed = scrub_text(text, rules)
    return data if scrubbed == text else scrubbed.encode("utf-8", "surrogateescape")


def redact_content(data: bytes, rules: RedactionRules = DEFAULT_RULES) -> bytes:
    """A file's bytes with secrets removed (see *Files*); ``data`` itself when none were.

    For an uploaded file part and a downloaded file's content alike: a batch's JSONL
    lines are request bodies, and a user's text file may paste a key.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # binary: audio, an image; nothing to read a secret in
    clean = redact_text(text, rules)
    return data if clean == text else clean.encode("utf-8")


def redact_text(text: str, rules: RedactionRules = DEFAULT_RULES) -> str:
    """``text`` with secrets removed: line by line as JSON when it is JSONL, else
    :func:`scrub_text` (see *Files*)."""
    if not _suspect(text, rules):
        return text  # the common case, and a 50,000-line batch file: one quick look
    lines = text.splitlines(keepends=True)
    values = _jsonl(lines)
    if values is None:
        return scrub_text(text, rules)
    out: list[str] = []
    for line, value in zip(lines, values, strict=True):
        if value is _BLANK or not _suspect(line, rules):
            out.append(line)
            continue
        clean, changed = redact_json(value, rules)
        for where in _LINE_BODIES:
            inner = _get(clean, where)
            if isinstance(inner, (dict, list)):
                # A batch line's request (or answer) body: the rules' paths are its paths.
                redacted, inner_changed = redact_json(inner, rules)
                if inner_changed:
                    clean = _set(clean, where, redacted)
                    changed.extend(inner_changed)
        if not changed:
            out.append(line)  # untouched: byte for byte
            continue
        body = line.rstrip("\r\n")
        spaced = '": ' in body or '", "' in body
        separators = (", ", ": ") if spaced else (",", ":")
        out.append(json.dumps(clean, ensure_ascii=False, separators=separators))
        out.append(line[len(body) :])  # the line's own ending
    return "".join(out)


def is_jsonl(text: str) -> bool:
    """True when ``text`` is JSON lines: every non-blank line a JSON value, one at least."""
    return _jsonl(text.splitlines()) is not None


def redact_headers(
    headers: Mapping[str, str], rules: RedactionRules = DEFAULT_RULES
) -> dict[str, str]:
    """A copy of ``headers`` with lower-case names and secret values replaced.

    Secret headers (built-in, ``rules.extra_headers`` or secret-like names) keep their
    name and get the placeholder; other values have key-like substrings replaced.
    Names differing only in case are joined with ``", "`` as HTTP allows.
    """
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in SECRET_HEADERS or lower in rules.extra_headers or is_secret_name(lower):
            clean = rules.placeholder
        else:
            clean = scrub_text(value, rules)
        if lower in out and clean != rules.placeholder:
            clean = f"{out[lower]}, {clean}"
        out[lower] = clean
    return out


def redact_query(
    query: Sequence[tuple[str, str]], rules: RedactionRules = DEFAULT_RULES
) -> list[tuple[str, str]]:
    """A copy of ``query`` (name, value pairs, order kept) with secret values replaced."""
    out: list[tuple[str, str]] = []
    for name, value in query:
        if normal_name(name) in _SECRET_QUERY_NAMES or is_secret_name(name):
            out.append((name, rules.placeholder if value else value))
        else:
            out.append((name, scrub_text(value, rules)))
    return out


def redact_json(value: Any, rules: RedactionRules = DEFAULT_RULES) -> tuple[Any, list[str]]:
    """A deep copy of the decoded JSON ``value`` with secrets replaced (see *JSON bodies*).

    Also returns the dotted paths of the values that changed, list indexes as numbers
    (``messages.0.content``), in document order: the recorder adds them to the
    fixture's ``ignore`` list so a replayed request carrying the real value matches.

    A value whose JSON text holds nothing that could be redacted (``_suspect``: no
    key-like substring, no secret-like or weak name, no key a rule's path names) is
    copied as it is, without looking at each value: the common case (a chat
    completion, its request), ~20x faster than the walk (:func:`_walk_json`).
    """
    try:
        text = orjson.dumps(value).decode()
    except TypeError:  # not what orjson writes (an integer past 64 bits): walk it
        text = None
    if text is not None and not _suspect(text, rules):
        return jsonbody.copy_json(value), []
    return _walk_json(value, rules)


def _walk_json(value: Any, rules: RedactionRules) -> tuple[Any, list[str]]:
    """:func:`redact_json` value by value."""
    patterns = rules.parsed_paths
    changed: list[str] = []

    def walk(value: Any, path: tuple[str, ...], kind: str) -> Any:
        # kind: "secret" (held by a secret-like key), "weak" (token/key/sig),
        # "inside" (anywhere below a secret-like key) or "".
        if path and (_path_matches(path, patterns) or _path_matches(path, _BUILTIN_PATHS)):
            new: Any = rules.placeholder
        elif isinstance(value, (dict, list)):
            inside = kind in ("secret", "inside")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            walked = {
                key: walk(item, (*path, str(key)), "inside" if inside else _key_kind(str(key)))
                for key, item in items
            }
            return walked if isinstance(value, dict) else list(walked.values())
        elif (kind == "secret" and _is_scalar(value)) or (
            kind in ("weak", "inside") and isinstance(value, str) and _CREDENTIAL.fullmatch(value)
        ):
            new = rules.placeholder
        elif isinstance(value, str):
            new = scrub_text(value, rules)
        else:
            return value
        if new != value:
            changed.append(".".join(path))
            return new
        return value

    return walk(value, (), ""), changed


def filter_response_headers(headers: Mapping[str, str], *, status: int) -> dict[str, str]:
    """The upstream response headers a recording keeps (see the module docstring).

    Output names are lower-case; values are unchanged (use ``redact_response_headers``
    to filter and redact in one step).
    """
    out: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in KEPT_RESPONSE_HEADERS or (status == 429 and lower.startswith("x-ratelimit-")):
            out[lower] = value
    return out


def redact_response_headers(
    headers: Mapping[str, str], rules: RedactionRules = DEFAULT_RULES, *, status: int
) -> dict[str, str]:
    """``filter_response_headers`` then ``redact_headers``: what a recording stores."""
    return redact_headers(filter_response_headers(headers, status=status), rules)


# --- internals -------------------------------------------------------------------------


def _is_scalar(value: Any) -> bool:
    """A string or a number (not a bool, not null): what a secret-like key loses."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _key_kind(key: str) -> str:
    """``"secret"`` for a secret-like key, ``"weak"`` for ``token``/``key``/``sig``."""
    if is_secret_name(key):
        return "secret"
    return "weak" if normal_name(key) in _WEAK_JSON_NAMES else ""


def _path_matches(path: tuple[str, ...], patterns: Iterable[tuple[str, ...]]) -> bool:
    return any(
        len(pattern) == len(path) and all(p in ("*", s) for p, s in zip(pattern, path, strict=True))
        for pattern in patterns
    )


# Supersets of the key patterns, each led by a literal (found fast in a large file),
# searched in the lower-cased text: a pattern can match only where one of these does.
_MARKERS = tuple(
    re.compile(pattern)
    for pattern in (
        r"sk-[a-z0-9_-]{20}",
        r"org-[a-z0-9]{20}",
        r"proj_[a-z0-9]{20}",
        r"earer\s",
        r"a[ks]ia[a-z0-9]{16}",
        r"eyj[a-z0-9_-]{8,}\.eyj",
        r"key[\\\"']*\s*[:=]",
        r"token[\\\"']*\s*[:=]",
        r"sig[\\\"']*\s*[:=]",
    )
)


def _suspect(text: str, rules: RedactionRules) -> bool:
    """False when nothing in ``text`` can be redacted: no key-like value, no secret-like
    name (a JSON key, or a name written before a value), no key a rule's path ends with,
    no ``\\u`` escape that could spell one. A quick look that spares a large file (a
    50,000-line batch) being parsed and scrubbed value by value."""
    low = text.lower()
    if "\\u" in low or any(marker.search(low) for marker in _MARKERS):
        return True
    bare = low.replace("-", "").replace("_", "")
    if any(name in bare for name in SECRET_SUFFIXES):
        return True
    for path in rules.parsed_paths:
        last = path[-1]
        if last == "*" or last.isdigit() or f'"{last}"' in text:
            return True
    return False


_BLANK = object()
"""A blank line of a JSONL text (kept as it is)."""

_LINE_BODIES = (("body",), ("response", "body"))
"""Where a batch line holds a body: the request of an input line, the answer of an
output line."""


def _jsonl(lines: list[str]) -> list[Any] | None:
    """Each line's JSON value (``_BLANK`` for a blank line), or None when ``lines`` is
    not JSONL (a line that is not JSON, or no line with a value at all)."""
    values: list[Any] = []
    for line in lines:
        if not line.strip():
            values.append(_BLANK)
            continue
        try:
            values.append(json.loads(line))
        except ValueError:
            return None
    return values if any(value is not _BLANK for value in values) else None


def _get(value: Any, where: tuple[str, ...]) -> Any:
    for key in where:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _set(value: Any, where: tuple[str, ...], new: Any) -> Any:
    """A copy of the dict ``value`` with ``new`` at ``where`` (whose parents exist)."""
    head, *rest = where
    return {**value, head: _set(value[head], tuple(rest), new) if rest else new}
