"""pytest plugin: one mockapi server per session (per xdist worker), a clean handle per test.

Nothing happens until a test asks for the ``mockapi`` fixture: then a server starts on
a free loopback port (once per session), and for the duration of each test that uses
it ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point at it, so ``openai.OpenAI()``
created anywhere in the code under test talks to the mock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mockapi.collector import paused

if TYPE_CHECKING:
    from mockapi.testing import MockapiHandle, Session

RECORD_MODES = ("none", "once", "new_episodes", "all")
MARKER_HELP = (
    "mockapi(record=None, cassette=True, on_miss=None, assert_all_used=False, faults=None, "
    "rate_limit=None, webhooks=None, sunset=None): per-test mockapi settings. With the "
    "marker, the test reads (and in a record mode writes) its own fixture file "
    "<fixtures>/<module>/<test>.yaml; record overrides --mockapi-record; on_miss is "
    "'error' or 'synthesize'; assert_all_used fails the test if a fixture it added was "
    "never used; faults (a spec such as 'status=503; times=2', or a list) and rate_limit "
    "('rpm=3,tpm=1000') hold for this test only; webhooks=[(url, 'whsec_...')] receive "
    "the signed events of this test's finished jobs; sunset='assistants' answers the "
    "Assistants API as it has answered since its shutdown."
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockapi", "mockapi: a mock OpenAI API server")
    group.addoption(
        "--mockapi-record",
        choices=RECORD_MODES,
        default=None,
        help="record mode: none (default; never contact the upstream), once, new_episodes, all",
    )
    group.addoption(
        "--mockapi-fixtures",
        action="append",
        default=None,
        metavar="DIR",
        help="fixture directory (repeatable); recordings go to the first (default ./fixtures)",
    )
    group.addoption("--mockapi-upstream", default=None, metavar="URL", help="upstream to record")
    group.addoption(
        "--mockapi-plugin",
        action="append",
        default=None,
        metavar="NAME_OR_PATH",
        help="load a mockapi plugin (repeatable): a bundled name, a module or a .py file",
    )
    group.addoption(
        "--mockapi-fault",
        action="append",
        default=None,
        metavar="SPEC",
        help="inject a fault into every request it matches, e.g. 'chaos=0.1' (repeatable)",
    )
    group.addoption(
        "--mockapi-fault-seed", type=int, default=None, metavar="N", help="seed of chaos faults"
    )
    group.addoption(
        "--mockapi-rate-limit",
        default=None,
        metavar="SPEC",
        help="limit requests per key and model like the real API, e.g. 'rpm=3,tpm=1000'",
    )
    group.addoption(
        "--mockapi-state",
        default=None,
        metavar="PATH|redis://HOST:PORT/DB",
        help="keep the server's state (files, batches, stored objects) in a SQLite database "
        "or a Redis server shared with other mockapi servers (default: in memory); each "
        "test's reset clears it for all of them",
    )
    parser.addini("mockapi_record", "default record mode", default="none")
    parser.addini("mockapi_faults", "fault rules for every test", type="linelist", default=[])
    parser.addini("mockapi_rate_limit", "rate limit for every test (rpm=N,tpm=N)", default="")
    parser.addini("mockapi_fixtures", "fixture directories", type="paths", default=[])
    parser.addini("mockapi_upstream", "upstream URL for recording", default="")
    parser.addini(
        "mockapi_upstream_key_env",
        "environment variable with the upstream key (default OPENAI_API_KEY when set)",
        default="",
    )
    parser.addini("mockapi_on_miss", "error (default) or synthesize", default="error")
    parser.addini("mockapi_plugins", "mockapi plugins to load", type="linelist", default=[])
    parser.addini("mockapi_state", "state store: a SQLite path or redis://HOST:PORT/DB", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)


@pytest.fixture(scope="session")
def _mockapi_session(pytestconfig: pytest.Config) -> Iterator[Session]:
    from mockapi.errors import MockapiError

    with paused():  # ~200 modules' objects, no garbage: no collection passes over them
        from mockapi.testing import Session

    try:
        session = Session.start(_session_options(pytestconfig))
    except MockapiError as exc:
        pytest.fail(f"mockapi: {exc}", pytrace=False)
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture
def mockapi(_mockapi_session: Session, request: pytest.FixtureRequest) -> Iterator[MockapiHandle]:
    """A handle on the session's mockapi server, reset for this test.

    ``mockapi.base_url`` ends in ``/v1``; ``mockapi.requests`` lists what this test
    sent (with parsed bodies); ``mockapi.add(...)`` adds a fixture for this test only;
    ``mockapi.assert_all_used()`` checks that each of them answered.
    """
    marker = request.node.get_closest_marker("mockapi")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        raise pytest.UsageError(
            f"@pytest.mark.mockapi takes keyword arguments only, got {marker.args!r}"
        )
    cassette = None
    if marker is not None and options.pop("cassette", True):
        cassette = _cassette_path(_mockapi_session.fixture_root, request.node)
    from mockapi.errors import MockapiError

    with ExitStack() as stack:
        try:
            handle = stack.enter_context(
                _mockapi_session.test(request.node.nodeid, cassette=cassette, **options)
            )
        except (MockapiError, ValueError, TypeError) as exc:
            pytest.fail(f"@pytest.mark.mockapi / mockapi settings: {exc}", pytrace=False)
        request.node.stash[_HANDLE] = handle
        yield handle


_HANDLE = pytest.StashKey["MockapiHandle"]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a test whose requests missed, even if its code swallowed the SDK's error."""
    result = yield
    handle = item.stash.get(_HANDLE, None)
    if handle is not None:
        problem = handle.problems()
        if problem:
            pytest.fail(problem, pytrace=False)
    return result


def _session_options(config: pytest.Config) -> dict[str, Any]:
    dirs = config.getoption("--mockapi-fixtures") or config.getini("mockapi_fixtures")
    record = config.getoption("--mockapi-record") or config.getini("mockapi_record")
    if record not in RECORD_MODES:
        raise pytest.UsageError(f"mockapi_record must be one of {RECORD_MODES}, got {record!r}")
    key_env = config.getini("mockapi_upstream_key_env") or (
        "OPENAI_API_KEY" if os.environ.get("OPENAI_API_KEY") else None
    )
    return {
        "fixture_dirs": tuple(Path(d) for d in dirs) or (config.rootpath / "fixtures",),
        "record": record,
        "upstream": config.getoption("--mockapi-upstream") or config.getini("mockapi_upstream"),
        "upstream_key_env": key_env,
        "on_miss": config.getini("mockapi_on_miss"),
        "plugins": tuple(config.getoption("--mockapi-plugin") or config.getini("mockapi_plugins")),
        "faults": tuple(config.getoption("--mockapi-fault") or config.getini("mockapi_faults")),
        "fault_seed": config.getoption("--mockapi-fault-seed"),
        "rate_limit": config.getoption("--mockapi-rate-limit")
        or config.getini("mockapi_rate_limit")
        or None,
        "state": config.getoption("--mockapi-state") or config.getini("mockapi_state") or None,
    }


def _cassette_path(root: Path, node: pytest.Item) -> Path:
    module = Path(str(node.path)).with_suffix("")
    try:
        module = module.relative_to(node.config.rootpath)
    except ValueError:
        module = Path(module.name)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name).strip("_") or "test"
    return root / module / f"{name}.yaml"
