"""The README's pytest examples run as shown: each is written out as the README has it,
run by pytester, and its output compared with the output the README shows."""

from __future__ import annotations

import re

import pytest

from tests.helpers import REPO

README = REPO / "README.md"


def readme_examples(marker: str = "readme-example") -> dict[str, str]:
    """The README's code blocks marked ``<!-- MARKER: FILE -->``, by file name."""
    pattern = rf"<!-- {marker}: (\S+) -->\n```python\n(.*?)```"
    return dict(re.findall(pattern, README.read_text(), flags=re.S))


def write_example(pytester: pytest.Pytester, marker: str, names: set[str]) -> str:
    """Write the example marked ``marker`` (which must be the files ``names``) into the
    pytester directory; the README's text, to find the output it shows."""
    examples = readme_examples(marker)
    assert set(examples) == names
    for name, code in examples.items():
        (pytester.path / name).write_text(code)
    return README.read_text()


def test_readme_pytest_example_gives_the_output_shown(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest prints whole summary lines when CI is set; the README shows a terminal's.
    monkeypatch.delenv("CI", raising=False)
    write_example(pytester, "readme-example", {"summary.py", "test_summary.py"})
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
    text = write_example(pytester, "readme-batch-example", {"batches.py", "test_batches.py"})
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    shown = re.search(r"\$ pytest -q test_batches.py\n(.*?)\n(\d+) passed", text, flags=re.S)
    assert shown is not None and shown.group(2) == "3"


def test_readme_retrieval_example_prints_what_is_shown(pytester: pytest.Pytester) -> None:
    text = write_example(pytester, "readme-retrieval-example", {"handbook.py", "test_handbook.py"})
    result = pytester.runpytest_subprocess("-q", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    shown = re.search(r"\$ pytest -q -s test_handbook.py\n\.(.*?)\n", text)
    assert shown is not None
    result.stdout.fnmatch_lines([f"*{shown.group(1)}"])


def test_readme_usage_example_prints_what_is_shown(pytester: pytest.Pytester) -> None:
    text = write_example(pytester, "readme-usage-example", {"spend.py", "test_spend.py"})
    result = pytester.runpytest_subprocess("-q", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    shown = re.search(r"\$ pytest -q -s test_spend.py\n(.*?)\n\.\n", text, flags=re.S)
    assert shown is not None
    result.stdout.fnmatch_lines(shown.group(1).splitlines())
