"""``multipart/form-data`` bodies (uploads: audio transcriptions, image edits) as data.

Pure: bytes and the ``Content-Type`` header in, the form's text fields and its files
out. :func:`parse` follows RFC 7578 as the SDKs write it (a boundary parameter,
``Content-Disposition: form-data; name=...; filename=...`` per part, CRLF line ends;
bare LF is accepted too). Every problem raises :class:`FormError` naming it.

:func:`fields_to_json` turns the fields into the JSON-like dict the rest of mockapi
works with (validation, matching, the journal, synthesis): the SDKs send arrays as
repeated ``name[]`` fields and objects as ``name[key]`` fields, and every value as a
string, so each value is converted by the type its schema property declares
(``"0.5"`` -> ``0.5`` where a number is expected, ``"true"`` -> ``True``); a value
that does not convert stays a string, and validation then words the error.
"""

from __future__ import annotations

import re
from typing import Any

from mockapi.errors import FormError
from mockapi.model import FilePart

_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_NESTED = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")

Fields = list[tuple[str, str]]


def boundary_of(content_type: str) -> str:
    """The ``boundary`` parameter of a ``multipart/form-data`` content type."""
    params = _params(content_type)
    boundary = params.get("boundary", "")
    if not boundary:
        raise FormError(
            f"the Content-Type {content_type!r} has no boundary parameter; send "
            "'multipart/form-data; boundary=...' as HTTP clients do"
        )
    return boundary


def parse(body: bytes, content_type: str) -> tuple[Fields, tuple[FilePart, ...]]:
    """The text fields (name, value; in body order) and the files of a form body."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    sections = body.split(delimiter)
    if len(sections) < 2:
        raise FormError(
            f"the body has no parts delimited by the boundary {delimiter.decode('latin-1')!r}"
        )
    fields: Fields = []
    files: list[FilePart] = []
    closed = False
    for section in sections[1:]:
        if section.startswith(b"--"):
            closed = True
            break
        head, data = _split_part(section)
        disposition, headers = _part_headers(head)
        name = disposition.get("name")
        if name is None:
            raise FormError("a part has no name in its Content-Disposition header")
        if "filename" in disposition:
            kind = headers.get("content-type", "application/octet-stream")
            files.append(FilePart(name, disposition["filename"], kind, data))
        else:
            try:
                fields.append((name, data.decode("utf-8")))
            except UnicodeDecodeError:
                raise FormError(f"the field {name!r} is not UTF-8 text") from None
    if not closed:
        raise FormError("the body ends before the closing boundary (was it cut short?)")
    return fields, tuple(files)


def fields_to_json(fields: Fields, files: tuple[FilePart, ...]) -> dict[str, Any]:
    """The form as a JSON-like dict of strings: ``a[]`` fields make lists, ``a[b]``
    fields objects, and each file stands as its :meth:`FilePart.describe` string."""
    out: dict[str, Any] = {}
    named = [(name, value) for name, value in fields]
    named += [(part.name, part.describe()) for part in files]
    for name, value in named:
        match = _NESTED.match(name)
        base, rest = (match.group(1), match.group(2)) if match else (name, "")
        keys = re.findall(r"\[([^\[\]]*)\]", rest)
        if not keys:
            out[base] = value
        elif keys == [""]:
            existing = out.setdefault(base, [])
            if isinstance(existing, list):
                existing.append(value)
        else:
            target = out.setdefault(base, {})
            for key in keys[:-1]:
                target = target.setdefault(key, {}) if isinstance(target, dict) else {}
            if isinstance(target, dict):
                target[keys[-1]] = value
    return out


def _split_part(section: bytes) -> tuple[bytes, bytes]:
    # A section is CRLF, headers, a blank line, the data, then CRLF before the delimiter.
    if section.startswith(b"\r\n"):
        section = section[2:]
    elif section.startswith(b"\n"):
        section = section[1:]
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, data = section.partition(separator)
        if found:
            break
    else:
        raise FormError("a part has no blank line between its headers and its data")
    if data.endswith(b"\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n"):
        data = data[:-1]
    return head, data


def _part_headers(head: bytes) -> tuple[dict[str, str], dict[str, str]]:
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    disposition = headers.get("content-disposition")
    if disposition is None or not disposition.lower().startswith("form-data"):
        raise FormError("a part has no 'Content-Disposition: form-data' header")
    return _params(disposition), headers


def _params(header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, raw in _PARAM.findall(header):
        value = raw.strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        found[key.lower()] = value
    return found
