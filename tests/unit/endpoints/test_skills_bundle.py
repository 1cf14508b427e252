"""A skill's bundle read as the API reads it: the manifest's front matter, the folder's
shape, paths, limits, and a directory's zip made the same way each time."""

from __future__ import annotations

import io
import zipfile

import pytest

from mockapi.endpoints.skills import bundle
from mockapi.errors import APIError
from mockapi.model import FilePart


def part(path: str, data: bytes, name: str = "files[]") -> FilePart:
    return FilePart(name=name, filename=path, content_type="text/plain", data=data)


MANIFEST = b"---\nname: report\ndescription: Write the weekly report.\n---\nBody\n"


def test_front_matter_fields_quotes_and_block_scalars() -> None:
    text = (
        "---\n"
        "name: 'quoted-name'\n"
        "description: >\n  folded over\n  two lines\n"
        "license: MIT # a comment\n"
        "metadata:\n  owner: x\n"
        "---\n# Title\nname: not front matter\n"
    )
    fields = bundle.front_matter(text)
    assert fields is not None
    assert fields["name"] == "quoted-name"
    assert fields["description"] == "folded over two lines"
    assert fields["license"] == "MIT"
    assert "owner" not in fields, "only top-level keys"
    assert bundle.front_matter("# no front matter\n") is None
    assert bundle.front_matter("---\nname: a\n") is None, "unclosed"


def test_a_directory_becomes_the_same_zip_each_time() -> None:
    parts = [part("report/SKILL.md", MANIFEST), part("report/run.py", b"print()")]
    first, second = bundle.read(parts), bundle.read(parts)
    assert first.zip == second.zip
    assert (first.name, first.description) == ("report", "Write the weekly report.")
    with zipfile.ZipFile(io.BytesIO(first.zip)) as archive:
        assert archive.namelist() == ["report/SKILL.md", "report/run.py"]


def test_a_zip_is_kept_byte_for_byte_and_skill_md_in_any_case() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("report/", b"")  # a directory entry is not a file
        archive.writestr("report/skill.md", MANIFEST)
    data = out.getvalue()
    assert bundle.read([part("r.zip", data, name="files")]).zip == data


@pytest.mark.parametrize(
    ("paths", "words"),
    [
        (["../SKILL.md"], "inside the skill's top-level folder"),
        (["/abs/SKILL.md"], "paths must be relative"),
        (["SKILL.md"], "single top-level folder"),
        (["a/SKILL.md", "a/sub/SKILL.md", "a/x"], None),  # one at the folder's root: fine
        (["a/SKILL.md", "a/skill.md"], "exactly one SKILL.md"),
    ],
)
def test_paths_and_manifests(paths: list[str], words: str | None) -> None:
    parts = [part(p, MANIFEST) for p in paths]
    if words is None:
        assert bundle.read(parts).name == "report"
        return
    with pytest.raises(APIError, match=words) as refused:
        bundle.read(parts)
    assert (refused.value.status, refused.value.param) == (400, "files")


def test_limits_and_missing_parts() -> None:
    many = [part("a/SKILL.md", MANIFEST)] + [part(f"a/{n}", b"") for n in range(500)]
    with pytest.raises(APIError, match="at most 500 files; got 501"):
        bundle.read(many)
    long_name = b"---\nname: " + b"n" * 65 + b"\ndescription: d\n---\n"
    with pytest.raises(APIError, match="over the limit of 64"):
        bundle.read([part("a/SKILL.md", long_name)])
    with pytest.raises(APIError, match="Missing required parameter: 'files'"):
        bundle.read([part("a/SKILL.md", MANIFEST, name="file")])
    with pytest.raises(APIError, match="uploaded twice"):
        bundle.read([part("a/SKILL.md", MANIFEST), part("a/SKILL.md", MANIFEST)])
