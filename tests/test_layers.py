"""The layering contract: which part of mockapi may import which, and who imports the
third-party libraries. Read from the source (every import, module level or deferred), so
a new import across a layer fails here with the module and the line that made it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mockapi"

# The foundation every part may import: the data model, the errors, the settings,
# where the bundled files are and the garbage collector held off.
FOUNDATION = frozenset({"model", "errors", "config", "resources", "collector", "__init__"})

# What each part may import besides the foundation and itself. A part is a subpackage
# or a top-level module.
# The pure core: each of these knows no endpoint and no server.
_CORE = frozenset({"wire", "validation", "library", "matching", "faults", "generate", "state"})
ALLOWED: dict[str, frozenset[str]] = {
    "wire": frozenset(),
    "library": frozenset({"wire", "faults"}),
    "validation": frozenset({"wire", "library"}),
    "matching": frozenset({"wire", "library"}),
    "faults": frozenset({"wire"}),
    "generate": frozenset({"wire", "validation"}),
    "state": frozenset({"wire"}),
    "plugins": frozenset({"wire", "library", "matching"}),
    "endpoints": _CORE,
}
# Each layer above the families may import everything below it.
ALLOWED["replay"] = _CORE | {"endpoints", "plugins"}
ALLOWED["recording"] = ALLOWED["replay"] | {"replay"}
ALLOWED["web"] = ALLOWED["recording"] | {"recording"}
_EVERYTHING_BELOW_THE_TOP = frozenset(ALLOWED) | {"plugins"}
ALLOWED["build"] = _EVERYTHING_BELOW_THE_TOP
ALLOWED["lint"] = _EVERYTHING_BELOW_THE_TOP
ALLOWED["testing"] = _EVERYTHING_BELOW_THE_TOP | {"build"}
ALLOWED["cli"] = _EVERYTHING_BELOW_THE_TOP | {"build", "lint"}
ALLOWED["pytest_plugin"] = frozenset({"testing"})
for _part in FOUNDATION - {"__init__"}:
    ALLOWED[_part] = FOUNDATION

# Each third-party library is imported in one place.
THIRD_PARTY: dict[str, tuple[str, ...]] = {
    "starlette": ("web",),
    "uvicorn": ("web",),
    "jsonschema": ("validation",),
    "yaml": ("library.store",),
    # The recorder's upstream client (its TLS trust), and the server's own webhook deliveries.
    "httpx": ("recording.upstream", "web.webhooks"),
    # The recorder's upstream client, and its URL type.
    "aiohttp": ("recording.upstream",),
    "yarl": ("recording.upstream",),
    "pytest": ("pytest_plugin",),
    "jinja2": ("library.templating",),
    "faker": ("library.templating",),
    "bpe_openai": ("wire.tokenizer",),
    "lameenc": ("endpoints.audio.mp3",),
    # The media extra's PyAV and Pillow (mockapi.endpoints.media).
    "av": ("endpoints.media.codecs",),
    "PIL": ("endpoints.media.pictures",),
    "sqlite3": ("state",),
    "redis": ("state",),
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted below mockapi ("replay.engine")
    target: str  # what it imports, absolute ("mockapi.wire.sse", "yaml")
    line: int

    def __str__(self) -> str:
        return f"mockapi/{self.module.replace('.', '/')}.py:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts)


def imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.extend(Import(module, alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module}: use absolute imports"
                base = node.module or ""
                if base == "mockapi":
                    found.extend(
                        Import(module, f"mockapi.{alias.name}", node.lineno) for alias in node.names
                    )
                else:
                    found.append(Import(module, base, node.lineno))
    return found


def part_of(module: str) -> str:
    """The part a module belongs to: its subpackage, or itself at the top level."""
    return module.split(".")[0]


def _is_module(dotted: str) -> bool:
    path = PACKAGE.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def internal_part(target: str) -> str | None:
    if target != "mockapi" and not target.startswith("mockapi."):
        return None
    below = target.removeprefix("mockapi").removeprefix(".")
    if not below or below == "__version__" or not _is_module(below.split(".")[0]):
        return "__init__"
    return part_of(below)


def test_every_part_is_in_the_contract() -> None:
    parts = {part_of(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert parts - set(ALLOWED) - {"__init__"} == set(), "add the new part to ALLOWED"


def layer_violations(found: list[Import]) -> list[str]:
    """Each import of a part its importer may not import, with what it may."""
    broken = []
    for imp in found:
        target = internal_part(imp.target)
        source = part_of(imp.module)
        if target is None or target == source or source == "__init__":
            continue
        if target not in ALLOWED[source] and target not in FOUNDATION:
            broken.append(f"{imp} ({source} may import {sorted(ALLOWED[source])})")
    return broken


def library_violations(found: list[Import], library: str) -> list[str]:
    """Each import of a third-party ``library`` outside its one importer."""
    owners = THIRD_PARTY[library]
    return [
        str(imp)
        for imp in found
        if imp.target.split(".")[0] == library
        and not any(imp.module == o or imp.module.startswith(o + ".") for o in owners)
    ]


def test_no_part_imports_a_layer_above_it() -> None:
    assert layer_violations(imports()) == []


@pytest.mark.parametrize("library", sorted(THIRD_PARTY))
def test_each_third_party_library_has_one_importer(library: str) -> None:
    assert library_violations(imports(), library) == [], f"only {THIRD_PARTY[library]} may"


def test_the_checker_names_an_import_across_a_layer() -> None:
    """The checks themselves, on imports the package does not have (so they stay honest)."""
    upward = Import("validation.validator", "mockapi.web.app", 7)
    sideways = Import("wire.sse", "mockapi.errors", 3)
    assert layer_violations([upward, sideways]) == [
        "mockapi/validation/validator.py:7 imports mockapi.web.app "
        "(validation may import ['library', 'wire'])"
    ]
    stray = Import("replay.engine", "starlette.responses", 9)
    assert library_violations([stray], "starlette") == [
        "mockapi/replay/engine.py:9 imports starlette.responses"
    ]
    assert library_violations([Import("web.app", "starlette.routing", 1)], "starlette") == []


def test_nothing_imports_the_entry_points() -> None:
    broken = [
        str(imp)
        for imp in imports()
        if internal_part(imp.target) in {"cli", "pytest_plugin"}
        and part_of(imp.module) not in {"cli", "pytest_plugin"}
    ]
    assert broken == []
