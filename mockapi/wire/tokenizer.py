"""The tokenizer backend: bpe-openai's Rust tokenizers, loaded without its Python layer.

:mod:`mockapi.wire.tokens` counts with OpenAI's real encodings (``o200k_base``,
``cl100k_base``), which the ``bpe-openai`` package ships offline. Its Python layer costs
far more memory than the counting does, so mockapi loads only the part it uses:

* ``import bpe_openai`` decodes every vocabulary the package ships (o200k, cl100k and
  voyage3) into Python dicts that its ``lru_cache`` keeps for the life of the process:
  about 66 MB, whichever encoding is used. ``get_encoding`` then copies its vocabulary
  into two more tables (a dict and a list of 200,000 ``bytes``): about 17 MB more.
  mockapi encodes with the Rust tokenizer alone, so the extension module
  (``bpe_openai/_bindings``) is loaded by its path, without running the package's
  ``__init__``, and none of that is built.
* Decoding (logprobs, token-id inputs, truncation) needs each token's bytes: those come
  from :class:`Vocabulary`, one ``bytes`` holding every token end to end and an array of
  offsets (about 2 MB for o200k), read from the same vocabulary file the package ships
  on an encoding's first decode.
* The Rust tokenizer builds its tables from data embedded in the extension's read-only
  segment (about 70 MB of the file), reading about 46 MB of it once. Those pages stay
  resident though nothing reads them again, so :func:`_release_embedded_pages` tells the
  kernel it may drop them (``madvise(MADV_DONTNEED)``) once the tables are built. Only a
  mapping that is read-only, private, at offset 0 and holds no page of its own
  (``Anonymous: 0`` in ``/proc/self/smaps``) is released: its pages are the file's, so
  a later read faults them back in from the file, unchanged. Linux only; elsewhere, or if
  anything about the mapping is unexpected, nothing is released.

Measured in one process (VmRSS): the package's way, both encodings, 177 MB over the
interpreter; this module's, about 58 MB (the Rust tables, ~54 MB, and the vocabularies).
If the package's layout changes (no ``_bindings`` extension beside ``data/``), the
package's own API is used instead, as before, and only the memory saving is lost.
"""

from __future__ import annotations

import array
import binascii
import ctypes
import gzip
import importlib.util
import logging
import os
import re
import sys
import threading
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

log = logging.getLogger(__name__)

PACKAGE = "bpe_openai"
SPECIAL_TOKENS: dict[str, dict[str, int]] = {
    # tiktoken's values (and bpe-openai's registry): the ids the API's encodings give
    # these texts when they are allowed as special tokens; decoding an id gives the text.
    "o200k_base": {"<|endoftext|>": 199_999, "<|endofprompt|>": 200_018},
    "cl100k_base": {
        "<|endoftext|>": 100_257,
        "<|fim_prefix|>": 100_258,
        "<|fim_middle|>": 100_259,
        "<|fim_suffix|>": 100_260,
        "<|endofprompt|>": 100_276,
    },
}
_MADV_DONTNEED = 4  # <sys/mman.h> on Linux, every architecture


class Encoding(Protocol):
    """What :mod:`mockapi.wire.tokens` uses of an encoding (tiktoken's names)."""

    def encode_ordinary(self, text: str) -> list[int]: ...

    def decode(self, tokens: list[int]) -> str: ...

    def decode_single_token_bytes(self, token: int) -> bytes: ...


class Vocabulary:
    """The bytes of every token id of one encoding, compactly: one ``bytes`` with every
    token end to end and the offset where each starts. An id outside the vocabulary (or
    in one of its gaps) raises :class:`KeyError`; a negative id counts from the end, as
    a Python list does (and as bpe-openai did: callers refuse those first)."""

    def __init__(self, name: str, blob: bytes, starts: array.array[int]) -> None:
        self.name = name
        self._blob = blob
        self._starts = starts  # len(tokens) + 1 offsets: token i is blob[starts[i]:starts[i+1]]

    @classmethod
    def read(cls, name: str, ranks: Path, specials: dict[str, int]) -> Vocabulary:
        """The vocabulary in ``ranks`` (tiktoken's format: a base64 token and its id per
        line, ids from 0 in order) followed by ``specials``; gaps decode to nothing."""
        blob = bytearray()
        starts = array.array("I", [0])
        with gzip.open(ranks, "rb") as lines:  # line by line: no 200,000-item list
            for number, line in enumerate(lines):
                if not line.strip():
                    continue
                token, rank = line.split()
                if int(rank) != len(starts) - 1:
                    raise RuntimeError(
                        f"{ranks}: line {number + 1} gives id {rank.decode()} where id "
                        f"{len(starts) - 1} was expected; mockapi reads tiktoken's format "
                        "(ids from 0, in order). Reinstall bpe-openai or report its version."
                    )
                blob += binascii.a2b_base64(token)
                starts.append(len(blob))
        for text, special in sorted(specials.items(), key=lambda item: item[1]):
            while len(starts) - 1 < special:  # the gap before a special token: empty ids
                starts.append(len(blob))
            blob += text.encode("utf-8")
            starts.append(len(blob))
        return cls(name, bytes(blob), starts)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def token(self, token: int) -> bytes:
        index = token + len(self) if token < 0 else token
        if not 0 <= index < len(self):
            raise KeyError(f"Token id {token} is out of range for {self.name}")
        start, end = self._starts[index], self._starts[index + 1]
        if start == end:
            raise KeyError(f"Token id {token} is not defined for {self.name}")
        return self._blob[start:end]


class RustEncoding:
    """One encoding: the Rust tokenizer encodes; the :class:`Vocabulary`, read on the
    first decode (most servers only count, and it is ~2 MB and ~0.5 s), decodes."""

    def __init__(self, name: str, backend: Any, ranks: Path) -> None:
        self.name = name
        self._backend = backend
        self._ranks = ranks
        self._vocabulary: Vocabulary | None = None
        self._lock = threading.Lock()

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            with self._lock:
                if self._vocabulary is None:
                    specials = SPECIAL_TOKENS[self.name]
                    self._vocabulary = Vocabulary.read(self.name, self._ranks, specials)
        return self._vocabulary

    def encode_ordinary(self, text: str) -> list[int]:
        """Token ids of ``text``, special-token text encoded as plain text. A lone
        surrogate (not encodable as UTF-8) is counted as U+FFFD, as bpe-openai does."""
        try:
            return list(self._backend.encode(text))
        except UnicodeEncodeError:
            clean = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            return list(self._backend.encode(clean))

    def count(self, text: str) -> int:
        """``len(self.encode_ordinary(text))``, without the list of ids."""
        try:
            return int(self._backend.count(text))
        except UnicodeEncodeError:
            return len(self.encode_ordinary(text))

    def decode_encoded(self, tokens: list[int]) -> str:
        """:meth:`decode` of ids :meth:`encode_ordinary` gave (or a slice of them): by
        the Rust decoder, which refuses a cut inside a character (then :meth:`decode`
        does it, with U+FFFD) and must never see another id (it aborts on one outside
        the vocabulary)."""
        try:
            return str(self._backend.decode(tokens))
        except ValueError:
            return self.decode(tokens)

    def decode(self, tokens: list[int]) -> str:
        vocabulary = self.vocabulary
        return b"".join(vocabulary.token(t) for t in tokens).decode("utf-8", "replace")

    def decode_single_token_bytes(self, token: int) -> bytes:
        return self.vocabulary.token(token)


_lock = threading.Lock()
_bindings: ModuleType | None = None


def load(name: str) -> Encoding:
    """The encoding ``name`` (``o200k_base`` or ``cl100k_base``), its Rust tables built
    now and the extension's embedded pages released once they are."""
    location = _package_dir()
    extension = _extension(location) if location is not None else None
    if location is None or extension is None or name not in SPECIAL_TOKENS:
        return _package_encoding(name)
    backend = extension.tokenizer_for_encoding(name)
    backend.encode(" ")  # the tables are built on first use
    _release_embedded_pages(Path(str(extension.__file__)))
    return RustEncoding(name, backend, location / "data" / f"{name}.tiktoken.gz")


def _package_dir() -> Path | None:
    """Where bpe-openai is installed, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = spec.submodule_search_locations if spec is not None else None
    return Path(next(iter(locations))) if locations else None


def _extension(location: Path) -> ModuleType | None:
    """The Rust extension ``bpe_openai._bindings``, loaded from its file alone (its
    package's ``__init__`` is what decodes every vocabulary; see the module docstring)."""
    global _bindings
    with _lock:
        if _bindings is not None:
            return _bindings
        name = f"{PACKAGE}._bindings"
        if name in sys.modules:  # the package was imported anyway (by the user's code)
            _bindings = sys.modules[name]
            return _bindings
        found = sorted(location.glob("_bindings.*so")) + sorted(location.glob("_bindings.*pyd"))
        spec = importlib.util.spec_from_file_location(name, found[0]) if found else None
        if spec is None or spec.loader is None:
            log.warning("bpe-openai has no _bindings extension in %s: using its API", location)
            return None
        module = importlib.util.module_from_spec(spec)
        # Registered, so that a later ``import bpe_openai`` (the user's) finds this one:
        # an extension module cannot be initialised twice in a process.
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _bindings = module
        return module


def _package_encoding(name: str) -> Encoding:
    """bpe-openai's own ``get_encoding``: right, but ~150 MB more (module docstring)."""
    with warnings.catch_warnings():  # its resource loading uses a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai

        encoding: Encoding = bpe_openai.get_encoding(name)
        return encoding


_MAPPING = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s+(.*)$")


def releasable_mappings(smaps: str, path: Path) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each mapping of ``path`` in ``smaps`` (the text of
    ``/proc/self/smaps``) whose pages are the file's alone: read-only, private, at
    offset 0, no anonymous (copied-on-write) page. Releasing one loses nothing."""
    found = []
    for block in re.split(r"\n(?=[0-9a-f]+-[0-9a-f]+ )", smaps):
        head = _MAPPING.match(block.split("\n", 1)[0])
        if head is None or head.group(5).strip() != str(path):
            continue
        anonymous = re.search(r"^Anonymous:\s+(\d+) kB", block, re.M)
        own_pages = anonymous is None or int(anonymous.group(1)) > 0
        if head.group(3) == "r--p" and int(head.group(4), 16) == 0 and not own_pages:
            found.append((int(head.group(1), 16), int(head.group(2), 16)))
    return found


def _release_embedded_pages(extension: Path) -> None:
    """Let the kernel drop the pages of the extension's embedded data (docstring)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        smaps = Path("/proc/self/smaps").read_text()
        libc = ctypes.CDLL(None, use_errno=True)
        madvise = libc.madvise
        madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        for start, end in releasable_mappings(smaps, Path(os.path.realpath(extension))):
            if madvise(start, end - start, _MADV_DONTNEED) != 0:
                log.debug("madvise failed on %s: errno %d", extension, ctypes.get_errno())
    except (OSError, AttributeError) as exc:  # no /proc, no libc: keep the pages
        log.debug("tokenizer pages not released: %s", exc)
