"""Text extraction for vector store files: each format a test uploads, and the API's
failure codes for what is not text or cannot be read."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from mockapi.endpoints.vector_stores import extract
from mockapi.endpoints.vector_stores.extract import ExtractionError
from tests import documents


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("notes.txt", "Plain text,\nover two lines.\n"),
        ("readme.md", "# Title\n\n- a *list* item\n- `code`\n"),
        ("data.json", json.dumps({"name": "lamp", "tags": ["warm", "40W"]}, indent=2)),
        ("table.csv", 'city,population\nLyon,522250\n"Saint-Étienne",172565\n'),
        ("script.py", "def f():\n\treturn 'ok'\n"),
    ],
)
def test_text_formats_are_read_as_they_are(name: str, text: str) -> None:
    assert extract.extract(text.encode(), name) == text


def test_a_byte_order_mark_is_dropped_and_utf16_is_read() -> None:
    assert extract.extract(b"\xef\xbb\xbfhello", "a.txt") == "hello"
    assert extract.extract("héllo wörld".encode("utf-16"), "a.txt") == "héllo wörld"


def test_html_keeps_its_visible_text_one_block_a_line() -> None:
    page = (
        "<html><head><title>Manual</title><script>var secret = 1;</script>"
        "<style>h1 {color: red}</style></head><body><h1>Setup</h1>"
        "<p>Plug   it\n in &amp; wait.</p><ul><li>one</li><li>two</li></ul>"
        "<noscript>enable js</noscript><p>Ends <b>here</b>.</p></body></html>"
    )
    assert extract.extract(page.encode(), "manual.html") == (
        "Manual\nSetup\nPlug it in & wait.\none\ntwo\nEnds here."
    )


def test_html_is_recognised_by_its_name_or_its_doctype() -> None:
    fragment = b"<p>first</p><p>second</p>"
    assert extract.extract(fragment, "page.htm") == "first\nsecond"
    assert extract.extract(fragment, "page.txt") == fragment.decode()  # text, as named
    assert extract.extract(b"<!DOCTYPE html><p>x</p>", "page") == "x"


def test_pdf_pages_are_read_with_pypdf() -> None:
    data = documents.pdf(["First page, line one.", "Line two (with brackets)."], ["Page 2."])
    assert extract.extract(data, "doc.pdf") == (
        "First page, line one.\nLine two (with brackets).\n\nPage 2."
    )


def test_docx_paragraphs_tabs_and_breaks() -> None:
    data = documents.docx("Heading", "name\tvalue", "", "Last & final")
    assert extract.extract(data, "doc.docx") == "Heading\nname\tvalue\n\nLast & final"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        bytes(range(256)),
        "caf\xe9".encode("latin-1"),  # not UTF-8: refused, not guessed
        b"text with a NUL\x00 inside",
    ],
)
def test_bytes_that_are_not_text_are_an_unsupported_file(data: bytes) -> None:
    with pytest.raises(ExtractionError) as problem:
        extract.extract(data, "upload.txt")
    assert problem.value.to_json() == {
        "code": "unsupported_file",
        "message": "The file type is not supported.",
    }


def test_a_zip_that_is_not_a_word_document_is_unsupported() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ExtractionError) as problem:
        extract.extract(out.getvalue(), "book.xlsx")
    assert problem.value.code == "unsupported_file"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.4\nnot really a pdf", "broken.pdf"),
        (documents.docx("x")[:40], "broken.docx"),
        (b"", "empty.txt"),
        (b" \n\t\n", "blank.txt"),
        (documents.pdf([]), "no-text.pdf"),
    ],
    # Named by file: a zip's bytes hold the time it was made, and pytest-xdist needs
    # every worker to collect the same ids.
    ids=["broken.pdf", "broken.docx", "empty.txt", "blank.txt", "no-text.pdf"],
)
def test_a_document_that_cannot_be_read_or_has_no_text_is_an_invalid_file(
    data: bytes, name: str
) -> None:
    with pytest.raises(ExtractionError) as problem:
        extract.extract(data, name)
    assert problem.value.code == "invalid_file"
    assert problem.value.message.startswith("The file could not be parsed")
