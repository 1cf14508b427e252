"""Deterministic prose for synthesized answers.

Answers are built from templates and small word lists with a ``random.Random`` the
caller seeds, so the same question and seed always read the same (no Faker: its output
changes between releases, and fixtures compared against synthesized text would break).
An answer quotes the question and talks about its topic, which makes it easy to see in
a test or a UI which request it answers:

    You asked: "Tell me about otters". There is more to otters than first appears. ...
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from random import Random

from mockapi.generate.schema_strings import wordlist

QUOTE_LIMIT = 60
_LEAD_INS = re.compile(
    r"^\s*(?:(?:please|hey|hi|hello|ok|so)[,!.]?\s+)*"
    r"(?:(?:can|could|would|will) you\s+)?(?:please\s+)?"
    r"(?:tell me (?:about|more about)|tell me|what (?:is|are|was|were)|who (?:is|are|was)|"
    r"explain|describe|summari[sz]e|how (?:does|do|did|can|to)|why (?:is|are|does|do)|"
    r"give me|write|list|i want to know about|talk about)?\s*",
    re.IGNORECASE,
)
_NOUNS = wordlist(
    "history context trade-offs details basics evidence practice examples patterns "
    "numbers assumptions sources timeline vocabulary mechanics limits"
)
_ADJECTIVES = wordlist(
    "practical surprising subtle well-documented historical technical everyday overlooked central"
)
_SENTENCES = (
    "There is more to {topic} than first appears.",
    "In short, it comes down to the {noun} and the {noun2} of {topic}.",
    "Most accounts of {topic} start with the {noun} and end with the {noun2}.",
    "A useful way to think about {topic} is as a question of {noun}.",
    "People who study {topic} tend to focus on the {adj} {noun}.",
    "There is also a {adj} side to {topic} that is easy to miss.",
    "If you want to go further, compare the {noun} of {topic} with the {noun2}.",
    "In practice, the {adj} {noun} matter more than the {noun2}.",
)
_AFTER_TOOL = (
    "Based on that, the answer to your question follows directly.",
    "Let me know if you want me to look anything else up.",
    "That should cover what you asked.",
)


def topic_of(question: str) -> str:
    """The subject of a question: ``"Tell me about otters?"`` -> ``"otters"``."""
    first_line = question.strip().splitlines()[0] if question.strip() else ""
    topic = _LEAD_INS.sub("", first_line, count=1).strip(" \t?!.,:;\"'")
    words = topic.split()
    return " ".join(words[:8]) if words else "this"


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with ``...``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def answer(question: str, rng: Random, *, sentences: int | None = None) -> str:
    """A few sentences answering ``question``, quoting it first."""
    if not question.strip():
        return "Hello! How can I help you today?"
    topic = topic_of(question)
    count = sentences if sentences is not None else rng.randint(2, 4)
    picked = rng.sample(range(len(_SENTENCES)), k=min(count, len(_SENTENCES)))
    body = " ".join(_fill(_SENTENCES[i], topic, rng) for i in sorted(picked))
    return f'You asked: "{quote(question)}". {body}'


def after_tool(results: Sequence[tuple[str, str]], question: str, rng: Random) -> str:
    """A final answer that reports what the tools returned: ``(name, output)`` pairs."""
    said = [f"{name or 'the tool'} returned {_quoted_result(output)}" for name, output in results]
    lead = "I checked: " + "; ".join(said) + "."
    closing = rng.choice(_AFTER_TOOL)
    if question.strip():
        return f'{lead} So, on "{quote(question)}": {closing}'
    return f"{lead} {closing}"


def sentence(question: str, rng: Random) -> str:
    """One sentence about the question's topic."""
    return _fill(rng.choice(_SENTENCES), topic_of(question) if question.strip() else "this", rng)


def phrases(question: str) -> list[str]:
    """Likely argument values in a question: quoted strings and capitalised names."""
    quoted = re.findall(r"\"([^\"]{1,60})\"|'([^']{1,60})'", question)
    found = [a or b for a, b in quoted]
    for match in re.finditer(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*", question):
        words = match.group().split()
        while words and words[0].lower() in _QUESTION_WORDS:
            words.pop(0)
        if words:
            found.append(" ".join(words))
    return list(dict.fromkeys(found))


_QUESTION_WORDS = frozenset(
    wordlist(
        "what who where when why how which is are can could would should do does did tell "
        "give please i the a an use answer find show list write explain describe"
    )
)


def _fill(template: str, topic: str, rng: Random) -> str:
    noun, noun2 = rng.sample(_NOUNS, k=2)
    return template.format(topic=topic, noun=noun, noun2=noun2, adj=rng.choice(_ADJECTIVES))


def _quoted_result(output: str) -> str:
    flat = quote(output, 200)
    return f'"{flat}"' if flat else "nothing"
