"""The tokenizer backend: bpe-openai's Rust tokenizers without its Python layer.

What it must keep: every id encodes and decodes exactly as bpe-openai's own API does.
What it must save: the package's Python layer (vocabularies decoded into dicts) is never
imported, the decoding table is compact, and the extension's embedded data, read once
to build the Rust tables, does not stay resident.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from mockapi.wire import tokenizer, tokens

ENCODINGS = ("o200k_base", "cl100k_base")


@pytest.fixture(scope="module")
def theirs() -> dict[str, object]:
    """bpe-openai's own encodings, the reference (its import costs ~80 MB: tests only)."""
    tokenizer.load("o200k_base")  # first: the package must then reuse the loaded extension
    with warnings.catch_warnings():  # its resource loading uses a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai

        return {name: bpe_openai.get_encoding(name) for name in ENCODINGS}


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_token_id_decodes_as_the_package_does(name: str, theirs: dict[str, object]) -> None:
    reference = theirs[name]
    mine = tokenizer.load(name)
    size = reference.max_token_value + 1  # type: ignore[attr-defined]
    for token in [*range(size), size, size + 7, -1, -3]:
        try:
            expected: bytes | None = reference.decode_single_token_bytes(token)  # type: ignore[attr-defined]
        except KeyError:
            expected = None
        try:
            got: bytes | None = mine.decode_single_token_bytes(token)
        except KeyError:
            got = None
        assert got == expected, f"{name} token {token}"


@pytest.mark.parametrize("name", ENCODINGS)
def test_texts_encode_and_decode_as_the_package_does(name: str, theirs: dict[str, object]) -> None:
    reference = theirs[name]
    mine = tokenizer.load(name)
    rng = random.Random(15)
    alphabets = [(32, 126), (160, 0x2FFF), (0x3040, 0x30FF), (0x1F300, 0x1F6FF), (0xD800, 0xD800)]
    for _ in range(200):
        text = "".join(chr(rng.randint(*rng.choice(alphabets))) for _ in range(rng.randint(0, 200)))
        ids = mine.encode_ordinary(text)
        assert ids == reference.encode_ordinary(text)  # type: ignore[attr-defined]
        half = ids[: len(ids) // 2]  # a cut inside a character decodes to U+FFFD alike
        assert mine.decode(half) == reference.decode(half)  # type: ignore[attr-defined]


def test_the_decoding_table_is_compact() -> None:
    vocabulary = tokenizer.load("o200k_base").vocabulary  # type: ignore[attr-defined]
    assert len(vocabulary) == 200_019  # 199,998 merges, a gap, the special tokens
    held = len(vocabulary._blob) + vocabulary._starts.itemsize * len(vocabulary._starts)
    assert held < 3_000_000  # bpe-openai's dict and list of bytes: ~17 MB


SAMPLE_SMAPS = """\
7f0000000000-7f0004518000 r--p 00000000 fe:00 42   /lib/x/_bindings.abi3.so
Size:              70752 kB
Rss:               47552 kB
Anonymous:             0 kB
7f0004518000-7f0004674000 r-xp 04517000 fe:00 42   /lib/x/_bindings.abi3.so
Rss:                1200 kB
Anonymous:             0 kB
7f0004674000-7f00046b7000 r--p 04672000 fe:00 42   /lib/x/_bindings.abi3.so
Rss:                 268 kB
Anonymous:           268 kB
7f00046b7000-7f00046b9000 rw-p 046b4000 fe:00 42   /lib/x/_bindings.abi3.so
Anonymous:             8 kB
7f1000000000-7f1000001000 r--p 00000000 fe:00 43   /lib/x/other.so
Anonymous:             0 kB
7f2000000000-7f2000001000 r--p 00000000 fe:00 44   /lib/x/_bindings.abi3.so
Rss:                   4 kB
Anonymous:             4 kB
"""


def test_only_the_files_own_read_only_pages_are_released() -> None:
    found = tokenizer.releasable_mappings(SAMPLE_SMAPS, Path("/lib/x/_bindings.abi3.so"))
    # Not the code, not the relocated (copied-on-write) RELRO, not the data, not another
    # file, not a mapping holding a page of its own.
    assert found == [(0x7F0000000000, 0x7F0004518000)]


_PROBE = textwrap.dedent(
    """
    import json, os, re, sys
    from pathlib import Path
    from mockapi.wire import tokenizer, tokens

    tokens.warm()
    counted = tokens.count_text("What is the capital of France?", "gpt-4o")
    extension = os.path.realpath(sys.modules["bpe_openai._bindings"].__file__)
    resident = 0
    for block in re.split(r"\\n(?=[0-9a-f]+-[0-9a-f]+ )", Path("/proc/self/smaps").read_text()):
        if block.split("\\n", 1)[0].endswith(extension):
            resident += int(re.search(r"^Rss:\\s+(\\d+) kB", block, re.M).group(1))
    print(json.dumps({
        "python_layer": sorted(
            m for m in sys.modules if m.startswith("bpe_openai.") and m != "bpe_openai._bindings"
        ),
        "package_init": "bpe_openai" in sys.modules,
        "counted": counted,
        "extension_resident_kb": resident,
    }))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_a_warm_process_holds_no_python_layer_and_no_embedded_pages() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    seen = json.loads(out.stdout)
    assert seen["counted"] == 7
    assert seen["python_layer"] == [] and seen["package_init"] is False
    # ~46 MB of the extension's data are read to build both encodings; released, a few
    # MB of code and tables stay.
    assert seen["extension_resident_kb"] < 12_000


def test_tokens_uses_this_backend() -> None:
    assert isinstance(tokens._encoding("o200k_base"), tokenizer.RustEncoding)
