"""The README's pytest example runs as shown."""

from __future__ import annotations

import re

import pytest

from tests.helpers import REPO


def readme_examples() -> dict[str, str]:
    text = (REPO / "README.md").read_text()
    pattern = r"<!-- readme-example: (\S+) -->\n```python\n(.*?)```"
    return dict(re.findall(pattern, text, flags=re.S))


def test_readme_pytest_example_gives_the_output_shown(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest prints whole summary lines when CI is set; the README shows a terminal's.
    monkeypatch.delenv("CI", raising=False)
    examples = readme_examples()
    assert set(examples) == {"summary.py", "test_summary.py"}
    for name, code in examples.items():
        (pytester.path / name).write_text(code)
    result = pytester.runpytest_subprocess("-q", "--tb=line", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   openai.NotFoundError: Error code: 404 - No fixture matched POST "
            '/v1/chat/completions (model gpt-4o-mini, last user message "Minutes of the board '
            'meeting..."). The closest of 1 fixture:',
            "    1. runtime:test_summary.py::test_unexpected_prompt#0: messages[1].content did not "
            'match /forecast/: got "Minutes of the board meeting..."',
            "FAILED test_summary.py::test_unexpected_prompt - openai.NotFoundError: Error ...",
        ]
    )


def test_readme_batch_example_passes_as_shown(pytester: pytest.Pytester) -> None:
    text = (REPO / "README.md").read_text()
    pattern = r"<!-- readme-batch-example: (\S+) -->\n```python\n(.*?)```"
    examples = dict(re.findall(pattern, text, flags=re.S))
    assert set(examples) == {"batches.py", "test_batches.py"}
    for name, code in examples.items():
        (pytester.path / name).write_text(code)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    shown = re.search(r"\$ pytest -q test_batches.py\n(.*?)\n(\d+) passed", text, flags=re.S)
    assert shown is not None and shown.group(2) == "3"


def test_readme_retrieval_example_prints_what_is_shown(pytester: pytest.Pytester) -> None:
    text = (REPO / "README.md").read_text()
    pattern = r"<!-- readme-retrieval-example: (\S+) -->\n```python\n(.*?)```"
    examples = dict(re.findall(pattern, text, flags=re.S))
    assert set(examples) == {"handbook.py", "test_handbook.py"}
    for name, code in examples.items():
        (pytester.path / name).write_text(code)
    result = pytester.runpytest_subprocess("-q", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    shown = re.search(r"\$ pytest -q -s test_handbook.py\n\.(.*?)\n", text)
    assert shown is not None
    result.stdout.fnmatch_lines([f"*{shown.group(1)}"])


def test_readme_usage_example_prints_what_is_shown(pytester: pytest.Pytester) -> None:
    text = (REPO / "README.md").read_text()
    pattern = r"<!-- readme-usage-example: (\S+) -->\n```python\n(.*?)```"
    examples = dict(re.findall(pattern, text, flags=re.S))
    assert set(examples) == {"spend.py", "test_spend.py"}
    for name, code in examples.items():
        (pytester.path / name).write_text(code)
    result = pytester.runpytest_subprocess("-q", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    shown = re.search(r"\$ pytest -q -s test_spend.py\n(.*?)\n\.\n", text, flags=re.S)
    assert shown is not None
    result.stdout.fnmatch_lines(shown.group(1).splitlines())
