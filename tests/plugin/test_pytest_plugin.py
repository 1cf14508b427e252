"""The pytest plugin, driven the way users use it: small suites run by pytester."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mockapi.library import store
from tests.fake_upstream import SECRETS, FakeUpstream

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

FIXTURE_FILE = """
version: 1
fixtures:
  - name: capital
    match:
      content: 'capital of France'
    response:
      body:
        choices:
          - message: {role: assistant, content: Paris.}
"""

CODE = '''
import openai

def ask(question: str) -> str:
    """The code under test: builds its own client from the environment."""
    client = openai.OpenAI(max_retries=0)
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content

def ask_politely(question: str) -> str:
    """Swallows every API error, as real code sometimes does."""
    try:
        return ask(question)
    except openai.APIError:
        return "sorry"
'''


def make_suite(pytester: pytest.Pytester, tests: str, fixtures: str | None = FIXTURE_FILE) -> None:
    pytester.makepyfile(app=CODE)
    pytester.makepyfile(test_app=textwrap.dedent(tests))
    if fixtures is not None:
        (pytester.path / "fixtures").mkdir(exist_ok=True)
        (pytester.path / "fixtures" / "library.yaml").write_text(fixtures)


def test_sdk_through_the_fixture_passes(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import os
        from app import ask

        def test_answer(mockapi):
            assert ask("What is the capital of France?") == "Paris."
            assert mockapi.last_request.body["messages"][0]["content"] == (
                "What is the capital of France?")
            assert os.environ["OPENAI_BASE_URL"] == mockapi.base_url
            assert mockapi.base_url.endswith("/v1")

        def test_inline_fixture_and_reset(mockapi):
            assert mockapi.requests == []  # the journal was reset
            mockapi.add(reply="Berlin.", match={"content": "Germany"})
            assert ask("capital of Germany?") == "Berlin."
            mockapi.assert_all_used()

        def test_inline_fixture_is_gone(mockapi):
            assert ask("What is the capital of France?") == "Paris."
            assert len(mockapi.control.fixtures()) == 1
    """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_miss_fails_the_test_with_the_near_miss_report(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        from app import ask_politely

        def test_swallowed(mockapi):
            assert ask_politely("What is the capital of Spain?") == "sorry"
    """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*1 request(s) in this test matched no fixture*",
            "*No fixture matched POST /v1/chat/completions*",
            "*capital*",
        ]
    )


def test_unused_fixture_fails_with_the_marker(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import pytest

        @pytest.mark.mockapi(assert_all_used=True, cassette=False)
        def test_unused(mockapi):
            mockapi.add(reply="never asked", name="lonely", match={"content": "zzz"})
    """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*never used: lonely*"])


def test_unused_plugin_starts_nothing(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import os, sys

        def test_plain():
            assert "mockapi.testing" not in sys.modules
            assert "mockapi.web.server" not in sys.modules
            assert "OPENAI_BASE_URL" not in os.environ
    """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    markers = pytester.runpytest_subprocess("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.mockapi(record=None, cassette=True*"])


def test_a_session_that_validates_nothing_does_not_import_jsonschema(
    pytester: pytest.Pytester,
) -> None:
    make_suite(
        pytester,
        """
        import sys

        import httpx

        def test_health(mockapi):
            assert httpx.get(mockapi.url + "/__mockapi/health").status_code == 200
            assert "jsonschema" not in sys.modules  # nothing was validated yet

        def test_then_a_request(mockapi):
            from app import ask

            assert ask("What is the capital of France?") == "Paris."
            assert "jsonschema" in sys.modules  # the first validated request imports it
    """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


RECORDED_TEST = """
    import pytest
    from app import ask

    @pytest.mark.mockapi
    def test_recorded(mockapi):
        assert ask("tell me a joke") == "Echo: tell me a joke"
        assert ask("and another") == "Echo: and another"
"""


def test_record_then_replay_with_the_upstream_gone(pytester: pytest.Pytester) -> None:
    make_suite(pytester, RECORDED_TEST, fixtures=None)
    cassette = pytester.path / "fixtures" / "test_app" / "test_recorded.yaml"
    with FakeUpstream(event_delay=0.001) as upstream:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--mockapi-record=once", f"--mockapi-upstream={upstream.url}"
        )
        result.assert_outcomes(passed=1)
        assert len(upstream.requests) == 2
    document = store.read_yaml(cassette)
    assert document["test"] == "test_app.py::test_recorded"
    assert len(document["fixtures"]) == 2
    text = cassette.read_text()
    assert not [secret for secret in SECRETS if secret in text]
    # The upstream is gone; the default mode is none: the cassette answers.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    # Mode once with a cassette present is replay only: still no upstream needed.
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--mockapi-record=once", "--mockapi-upstream=http://127.0.0.1:9"
    )
    result.assert_outcomes(passed=1)


def test_cassettes_belong_to_their_test(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        RECORDED_TEST
        + """
    def test_other(mockapi):
        from app import ask_politely
        assert ask_politely("tell me a joke") == "sorry"
    """,
        fixtures=None,
    )
    with FakeUpstream(event_delay=0.001) as upstream:
        pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "--mockapi-record=new_episodes",
            f"--mockapi-upstream={upstream.url}",
            "-k",
            "test_recorded",
        ).assert_outcomes(passed=1)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # test_other must not be answered by test_recorded's cassette: it misses and fails.
    result.assert_outcomes(passed=1, failed=1)


def test_xdist_workers_each_have_a_server_and_recordings_do_not_collide(
    pytester: pytest.Pytester,
) -> None:
    tests = "\n".join(
        f"""
def test_{i}(mockapi):
    from app import ask
    assert ask("question {i}") == "Echo: question {i}"
    with open("ports.txt", "a") as out:
        out.write(mockapi.url + "\\n")
"""
        for i in range(8)
    )
    make_suite(pytester, tests, fixtures=None)
    with FakeUpstream(event_delay=0.001) as upstream:
        result = pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "--mockapi-record=new_episodes",
            f"--mockapi-upstream={upstream.url}",
        )
    result.assert_outcomes(passed=8)
    assert len(set(Path(pytester.path / "ports.txt").read_text().split())) == 2
    recorded = store.load_library([pytester.path / "fixtures"])
    asked = sorted(f.matchers["body"]["messages"][0]["content"] for f in recorded)
    assert asked == sorted(f"question {i}" for i in range(8))
    replay = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    replay.assert_outcomes(passed=8)


def test_record_mode_without_upstream_is_a_clear_error(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        def test_needs_upstream(mockapi):
            pass
    """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mockapi-record=all")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs an upstream*--mockapi-upstream*"])


def test_bad_marker_arguments_are_named(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import pytest

        @pytest.mark.mockapi(record="sometimes")
        def test_bad_mode(mockapi):
            pass

        @pytest.mark.mockapi(colour="blue")
        def test_bad_key(mockapi):
            pass
    """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*'sometimes' is not a valid RecordMode*", "*colour*"])


def test_marker_record_all_re_records_in_place(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import pytest
        from app import ask

        @pytest.mark.mockapi(record="all", cassette=False)
        def test_fresh(mockapi):
            assert ask("same question") == "Echo: same question"
    """,
        fixtures=None,
    )
    with FakeUpstream(event_delay=0.001) as upstream:
        for _ in range(2):
            pytester.runpytest_subprocess(
                "-p", "no:cacheprovider", f"--mockapi-upstream={upstream.url}"
            ).assert_outcomes(passed=1)
        assert len(upstream.requests) == 2
    # Mode `all` replaces the recording of the same request; it does not add a copy.
    assert len(store.fixture_files(pytester.path / "fixtures")) == 1


def test_objects_the_server_created_do_not_outlive_the_test(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import openai
        import pytest

        def test_delete(mockapi):
            client = openai.OpenAI(max_retries=0)
            assert client.models.delete("gpt-4o").deleted is True
            with pytest.raises(openai.NotFoundError):
                client.models.retrieve("gpt-4o")

        def test_next_test_sees_it_again(mockapi):
            client = openai.OpenAI(max_retries=0)
            assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    """,
        fixtures=None,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
