"""A skill's bundle as the API takes it: one zip, or a directory sent as ``files[]`` parts,
checked and read for the ``SKILL.md`` manifest's ``name`` and ``description``.

Pure: the uploaded parts in, a :class:`Bundle` (the zip to keep and the manifest's
fields) or the API's 400 out.

What the API documents (the Skills guide and reference): a bundle is one top-level
folder holding exactly one ``SKILL.md`` (or ``skill.md``) whose YAML front matter gives
``name`` and ``description``; a zip is uploaded as the one ``files`` part, a directory
as repeated ``files[]`` parts each named by its path inside the folder
(``basic_math/SKILL.md``); at most 500 files, a zip of at most 50 MB, no file over 25 MB
uncompressed. A zip is kept byte for byte (its download is what was uploaded); a
directory is kept as the zip of its files in the order sent.

Assumed (the API's wording is not published): the messages of the 400s, each naming
``files``; that the manifest's ``name`` is at most 64 characters (the Agent Skills
standard's limit); that only the front matter's plain ``key: value`` lines (and block
scalars ``|``/``>``) matter, so no YAML library is needed to read two strings.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from mockapi.errors import APIError
from mockapi.model import FilePart

MB = 1024 * 1024
MAX_ZIP_BYTES = 50 * MB
MAX_FILES = 500
MAX_FILE_BYTES = 25 * MB
MAX_NAME = 64
MANIFEST = "skill.md"
"""The manifest's name, compared case-insensitively (``SKILL.md`` or ``skill.md``)."""
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The timestamp of every entry of a zip built from a directory: the same bytes each run."""


@dataclass(frozen=True)
class Bundle:
    """A checked skill bundle: the zip kept for its downloads and its manifest's fields."""

    zip: bytes
    name: str
    description: str


def bundle_error(message: str) -> APIError:
    """The API's 400 for a bundle it cannot take, naming ``files``."""
    return APIError(400, message, param="files", code="invalid_value")


def read(parts: Sequence[FilePart]) -> Bundle:
    """The bundle the ``files`` / ``files[]`` parts of a create request upload."""
    uploads = [p for p in parts if p.name in ("files", "files[]")]
    if not uploads:
        raise APIError(
            400,
            "Missing required parameter: 'files'. Upload a zip as the 'files' part of a "
            "multipart/form-data body, or a directory as 'files[]' parts named by path.",
            param="files",
            code="missing_required_parameter",
        )
    if len(uploads) == 1 and _is_zip(uploads[0]):
        data = uploads[0].data
        if len(data) > MAX_ZIP_BYTES:
            raise bundle_error(
                f"The skill zip is {len(data):,} bytes, over the limit of {MAX_ZIP_BYTES:,} "
                "bytes (50 MB)."
            )
        return Bundle(data, *_manifest(_unzip(data)))
    files = [(_clean(p.filename or p.name), p.data) for p in uploads]
    return Bundle(_zip(files), *_manifest(files))


def _is_zip(part: FilePart) -> bool:
    return part.data.startswith(_ZIP_MAGIC) or part.filename.lower().endswith(".zip")


def _unzip(data: bytes) -> list[tuple[str, bytes]]:
    """The files of a zip (directories left out), each checked for size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
        _check_count(len(entries))
        for info in entries:
            _check_size(info.filename, info.file_size)
        return [(_clean(info.filename), archive.read(info)) for info in entries]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as problem:
        raise bundle_error(
            f"The uploaded skill is not a valid zip archive ({problem}). Upload a zip of "
            "the skill's folder, or the folder's files as 'files[]' parts."
        ) from None


def _zip(files: Sequence[tuple[str, bytes]]) -> bytes:
    """A deterministic zip of ``files`` (paths as given, in order)."""
    _check_count(len(files))
    seen: set[str] = set()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            _check_size(path, len(data))
            if path in seen:
                raise bundle_error(f"The skill's file '{path}' was uploaded twice.")
            seen.add(path)
            archive.writestr(zipfile.ZipInfo(path, _EPOCH), data)
    return out.getvalue()


def _check_count(count: int) -> None:
    if count > MAX_FILES:
        raise bundle_error(f"A skill may hold at most {MAX_FILES} files; got {count}.")


def _check_size(path: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise bundle_error(
            f"The skill's file '{path}' is {size:,} bytes uncompressed, over the limit of "
            f"{MAX_FILE_BYTES:,} bytes (25 MB)."
        )


def _clean(path: str) -> str:
    """``path`` as a relative POSIX path, or the 400 for one that leaves the bundle."""
    given = path.replace("\\", "/")
    normal = posixpath.normpath(given)
    if given.startswith("/") or normal == ".." or normal.startswith("../") or normal == ".":
        raise bundle_error(
            f"Invalid skill file path '{path}': paths must be relative and inside the "
            "skill's top-level folder (e.g. 'my_skill/SKILL.md')."
        )
    return normal


def _manifest(files: Sequence[tuple[str, bytes]]) -> tuple[str, str]:
    """The manifest's ``name`` and ``description``, after the folder's shape is checked."""
    if not files:
        raise bundle_error("The skill bundle holds no files; it needs a SKILL.md.")
    tops = sorted({path.split("/", 1)[0] for path, _ in files})
    if len(tops) > 1 or "/" not in files[0][0]:
        shown = ", ".join(repr(t) for t in tops[:3])
        raise bundle_error(
            "A skill's files must all be inside a single top-level folder (e.g. "
            f"'my_skill/SKILL.md'); found {shown} at the top."
        )
    manifests = [
        (path, data) for path, data in files if path.lower() == f"{tops[0]}/{MANIFEST}".lower()
    ]
    if not manifests:
        raise bundle_error(f"The skill bundle has no SKILL.md in its folder '{tops[0]}'.")
    if len(manifests) > 1:
        raise bundle_error("The skill bundle must hold exactly one SKILL.md; found several.")
    path, data = manifests[0]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bundle_error(f"'{path}' is not UTF-8 text.") from None
    fields = front_matter(text)
    if fields is None:
        raise bundle_error(
            f"'{path}' must start with YAML front matter between '---' lines, giving the "
            "skill's name and description."
        )
    name, description = fields.get("name", "").strip(), fields.get("description", "").strip()
    for key, value in (("name", name), ("description", description)):
        if not value:
            raise bundle_error(f"The front matter of '{path}' has no '{key}'.")
    if len(name) > MAX_NAME:
        raise bundle_error(
            f"The skill name '{name[:80]}' is {len(name)} characters, over the limit of {MAX_NAME}."
        )
    return name, description


def front_matter(text: str) -> dict[str, str] | None:
    """The top-level ``key: value`` fields of ``text``'s front matter (between a first
    line ``---`` and the next), or None when it has none."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        return None
    fields: dict[str, str] = {}
    body = lines[1:end]
    index = 0
    while index < len(body):
        line = body[index]
        index += 1
        if not line.strip() or line[0] in " \t#" or ":" not in line:
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if value in ("|", ">", "|-", ">-", "|+", ">+"):
            block = []
            while index < len(body) and (not body[index].strip() or body[index][0] in " \t"):
                block.append(body[index].strip())
                index += 1
            value = ("\n" if value.startswith("|") else " ").join(b for b in block if b)
        fields[key.strip()] = _unquote(value)
    return fields


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value.split(" #", 1)[0].strip()
