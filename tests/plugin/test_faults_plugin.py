"""Faults and rate limits in the pytest plugin: per test, never leaking into the next."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

LIBRARY = """
version: 1
fixtures:
  - name: capital
    match: {content: 'capital of France'}
    response:
      body: {choices: [{message: {role: assistant, content: Paris.}}]}
  - name: flaky
    match: {content: 'flaky'}
    sequence:
      - fault: status=503
      - body: {choices: [{message: {role: assistant, content: Fine now.}}]}
"""

CODE = """
import openai

def ask(question: str, retries: int = 0) -> str:
    client = openai.OpenAI(max_retries=retries)
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content
"""


def make_suite(pytester: pytest.Pytester, tests: str) -> None:
    pytester.makepyfile(app=CODE)
    pytester.makepyfile(test_app=textwrap.dedent(tests))
    (pytester.path / "fixtures").mkdir(exist_ok=True)
    (pytester.path / "fixtures" / "library.yaml").write_text(LIBRARY)


def test_faults_and_limits_hold_for_their_test_only(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import openai
        import pytest
        from app import ask

        @pytest.mark.mockapi(faults="status=503; times=1", cassette=False)
        def test_marker_fault(mockapi):
            with pytest.raises(openai.InternalServerError):
                ask("capital of France?")
            assert ask("capital of France?") == "Paris."  # times=1: once only
            assert [e.fault for e in mockapi.requests] == ["status=503", None]

        @pytest.mark.mockapi(faults="status=503; times=1", cassette=False)
        def test_marker_counters_start_again(mockapi):
            with pytest.raises(openai.InternalServerError):
                ask("capital of France?")

        def test_handle_fault(mockapi):
            mockapi.fault(status=429, retry_after=0.05)
            with pytest.raises(openai.RateLimitError):
                ask("capital of France?")

        def test_no_fault_leaks_in(mockapi):
            assert ask("capital of France?") == "Paris."
            assert mockapi.control.fault_rules == ()
            assert mockapi.control.rate_limit is None

        def test_fixture_sequence_restarts(mockapi):
            assert ask("flaky", retries=1) == "Fine now."
            assert [e.status for e in mockapi.requests] == [503, 200]

        def test_fixture_sequence_restarts_again(mockapi):
            with pytest.raises(openai.InternalServerError):
                ask("flaky")

        @pytest.mark.mockapi(rate_limit="rpm=1", cassette=False)
        def test_rate_limit(mockapi):
            assert ask("capital of France?") == "Paris."
            with pytest.raises(openai.RateLimitError) as caught:
                ask("capital of France?")
            assert "on requests per min (RPM): Limit 1, Used 1" in caught.value.message

        @pytest.mark.mockapi(rate_limit="rpm=1", cassette=False)
        def test_rate_limit_buckets_are_full_again(mockapi):
            assert ask("capital of France?") == "Paris."

        @pytest.mark.mockapi(faults="statu=1", cassette=False)
        def test_bad_marker(mockapi):
            pass
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=8, errors=1)  # a bad marker fails at setup, naming the key
    result.stdout.fnmatch_lines(["*mockapi settings: unknown fault key 'statu'*"])


def test_command_line_rules_apply_to_every_test(pytester: pytest.Pytester) -> None:
    make_suite(
        pytester,
        """
        import openai
        import pytest
        from app import ask

        def test_one(mockapi):
            with pytest.raises(openai.InternalServerError):
                ask("capital of France?")

        def test_two(mockapi):
            with pytest.raises(openai.InternalServerError):
                ask("capital of France?")
            mockapi.fault("status=418")  # a test's own rules come before the session's
            with pytest.raises(openai.APIStatusError) as caught:
                ask("capital of France?")
            assert caught.value.status_code == 418

        def test_three(mockapi):
            with pytest.raises(openai.InternalServerError):
                ask("capital of France?")
        """,
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--mockapi-fault", "status=500; path=/v1/chat/*"
    )
    result.assert_outcomes(passed=3)
