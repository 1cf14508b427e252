"""The committed schemas/ are exactly what `mockapi schemas derive` makes from the spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockapi.validation.files import derive_to_dir

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / ".." / "shared" / "spec" / "openapi.yaml"
COMMITTED = REPO / "schemas"
FIX = f"cd {REPO} && mockapi schemas derive --spec ../shared/spec/openapi.yaml --out schemas/"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SPEC.is_file():
        pytest.skip(f"the OpenAI spec is not at {SPEC.resolve()} (only in the dev workspace)")
    out = tmp_path_factory.mktemp("schemas")
    derive_to_dir(SPEC, out)
    return out


def test_committed_schemas_match_a_fresh_derivation(fresh: Path) -> None:
    expected = {p.name: p.read_bytes() for p in fresh.iterdir()}
    committed = {p.name: p.read_bytes() for p in COMMITTED.glob("*.json")}
    missing = sorted(set(expected) - set(committed))
    stale = sorted(
        name for name in expected.keys() & committed.keys() if expected[name] != committed[name]
    )
    extra = sorted(set(committed) - set(expected))
    # The committed files were derived in another process, maybe on another machine:
    # equality here also proves the derivation is deterministic.
    problems = [
        *(f"missing: schemas/{name}" for name in missing),
        *(f"stale: schemas/{name}" for name in stale),
        *(f"not derived (delete it?): schemas/{name}" for name in extra),
    ]
    assert not problems, "schemas/ is out of date; run: " + FIX + "\n" + "\n".join(problems)


def test_committed_schemas_stay_small() -> None:
    sizes = {p.name: p.stat().st_size for p in COMMITTED.glob("*.json")}
    assert sizes, f"no schemas in {COMMITTED}; run: {FIX}"
    assert all(size < 2_000_000 for size in sizes.values()), sizes


# Endpoints mockapi serves that the spec gives no JSON schema, and why.
WITHOUT_SCHEMAS = {
    "DELETE /v1/responses/{response_id}": "the spec declares no response body for it",
    "DELETE /v1/audio/voices/{voice_id}": "the spec (2.3.0) has no such path; the official "
    "SDK's audio.voices.delete calls it",
    "GET /v1/organization/usage/decisions": "the spec has no such path; the official SDK's "
    "admin.organization.usage.decisions calls it (its answers are checked by the SDK's models)",
}


def test_every_endpoint_served_has_derived_schemas() -> None:
    """The freshness check above covers every endpoint mockapi routes, not a subset."""
    import json

    from mockapi.endpoints.endpoint import Body
    from mockapi.replay.router import ENDPOINTS

    index = json.loads((COMMITTED / "index.json").read_text())["endpoints"]
    missing = []
    for endpoint in ENDPOINTS:
        if endpoint.public or endpoint.key in WITHOUT_SCHEMAS:
            continue  # files the mock serves itself are not OpenAI endpoints
        roles = index.get(endpoint.key, {})
        if not roles:
            missing.append(f"{endpoint.key}: no schemas")
        elif endpoint.body is Body.JSON and "request" not in roles:
            missing.append(f"{endpoint.key}: no request schema")
        elif endpoint.body is Body.FORM and "form" not in roles:
            missing.append(f"{endpoint.key}: no form schema")
    assert not missing, (
        "add a row to mockapi.validation.targets.TARGETS and re-derive:\n" + "\n".join(missing)
    )
    families = {key.split()[1].split("/")[2] for key in index}
    assert {"chat", "models", "embeddings", "completions", "moderations"} <= families
    assert {"responses", "audio", "images"} <= families
