"""The text of a document, as a vector store reads it before chunking (pure).

What is understood, tried in this order:

* **PDF** (bytes starting ``%PDF-``): each page's text with ``pypdf`` (pure Python, well
  kept, no system library), pages joined by a blank line;
* **DOCX** (a zip holding ``word/document.xml``): the body's paragraphs (``w:p``), their
  runs' text (``w:t``), tabs and line breaks, one paragraph a line, read with
  :mod:`zipfile` and :mod:`xml.etree` (a .docx is a zip of XML: no library needed);
* **text** (UTF-8, with or without a byte-order mark; UTF-16 with one): plain text,
  Markdown, JSON and CSV as they are; **HTML** (a ``.html``/``.htm`` name, or text that
  starts like an HTML document) reduced to its text with :mod:`html.parser` (scripts and
  styles dropped, one block element a line).

Anything else (bytes that are not text: an image, an archive, a NUL byte) is the API's
``unsupported_file`` (``The file type is not supported.``, its message in the real
API's answers); a PDF or DOCX that cannot be read, and a document with no text, are
``invalid_file``. Assumed where the API is not known: it sniffs content much as this
does (it accepts a ``.txt`` of any text, refuses binary bytes whatever the name), an
empty document fails ``invalid_file``, and text in another 8-bit encoding than UTF-8 is
refused rather than guessed.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree

from mockapi.errors import MockapiError

UNSUPPORTED = "unsupported_file"
INVALID = "invalid_file"
UNSUPPORTED_MESSAGE = "The file type is not supported."
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>])", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ExtractionError(MockapiError):
    """Why a document has no text: the vector store file's ``last_error``."""

    code: str
    """``unsupported_file`` or ``invalid_file``."""
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def extract(data: bytes, filename: str = "") -> str:
    """The text of ``data`` (a file named ``filename``), or :class:`ExtractionError`."""
    if data.startswith(b"%PDF-"):
        text = pdf_text(data)
    elif data.startswith(b"PK\x03\x04"):
        text = docx_text(data)
    else:
        text = decode(data)
        if filename.lower().endswith(HTML_SUFFIXES) or _HTML_START.match(data[:512]):
            text = html_text(text)
    if not text.strip():
        raise ExtractionError(INVALID, "The file could not be parsed because it has no text.")
    return text


def decode(data: bytes) -> str:
    """``data`` as text (UTF-8 or BOM-marked UTF-16), or ``unsupported_file``."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractionError(UNSUPPORTED, UNSUPPORTED_MESSAGE) from None
    if _CONTROL.search(text):  # NUL and friends: binary bytes that happen to decode
        raise ExtractionError(UNSUPPORTED, UNSUPPORTED_MESSAGE)
    return text


def pdf_text(data: bytes) -> str:
    """The text of each page of a PDF, pages separated by a blank line."""
    from pypdf import PdfReader  # deferred: only a PDF upload pays for the import
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractionError(
                INVALID, "The file could not be parsed because it is password-protected."
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        # pypdf raises these on damaged files (a truncated xref, a bad object)
        raise ExtractionError(INVALID, f"The file could not be parsed as a PDF ({exc}).") from None
    return "\n\n".join(page.strip() for page in pages if page.strip())


def docx_text(data: bytes) -> str:
    """The paragraphs of a .docx's main document, one a line; a zip that is not a Word
    document is ``unsupported_file``, a broken one ``invalid_file``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise ExtractionError(UNSUPPORTED, UNSUPPORTED_MESSAGE)
            root = ElementTree.fromstring(archive.read("word/document.xml"))
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError, EOFError) as exc:
        raise ExtractionError(INVALID, f"The file could not be parsed as DOCX ({exc}).") from None
    lines = []
    for paragraph in root.iter(f"{_WORD}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_WORD}t":
                parts.append(node.text or "")
            elif node.tag == f"{_WORD}tab":
                parts.append("\t")
            elif node.tag in (f"{_WORD}br", f"{_WORD}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines).strip("\n")


def html_text(markup: str) -> str:
    """The visible text of an HTML document: scripts, styles and tags gone, runs of
    spaces collapsed, one block element (paragraph, heading, list item, row) a line."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return parser.text()


_BLOCK_NAMES = (
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table td th tr ul title"
)
_BLOCKS = frozenset(_BLOCK_NAMES.split())
"""Elements that start a line of their own."""
_HIDDEN = frozenset({"script", "style", "noscript", "template"})


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._line: list[str] = []
        self._hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden.append(tag)
        if tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self._line.append(data)

    def _break(self) -> None:
        line = " ".join("".join(self._line).split())
        if line:
            self._lines.append(line)
        self._line = []

    def text(self) -> str:
        self._break()
        return "\n".join(self._lines)
