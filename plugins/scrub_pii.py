"""scrub_pii: replace e-mail addresses, phone numbers and personal names in recordings.

Load with ``mockapi record --plugin scrub_pii`` (or ``--mockapi-plugin scrub_pii``).
Before anything is written, every string in the recorded request and response has
its e-mail addresses, phone numbers and personal names ("Firstname Lastname", with a
first name Faker knows) replaced by fake ones. The replacement is consistent: the
same original always becomes the same fake value (Faker seeded from a hash of it), so
a name in the question and in the answer stays the same person, and a replayed
request, scrubbed the same way before matching, still matches its recording.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any

from faker import Faker

from mockapi import PluginAPI

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# International or national numbers with separators: +33 6 12 34 56 78, (555) 123-4567,
# 555-123-4567, +1.555.123.4567. Bare digit runs (ids, years, counts) are left alone.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?"  # country code
    r"(?:\(\d{1,4}\)[ .-]?|\d{1,4}[ .-])"  # area code
    r"(?:\d{2,4}[ .-]){1,3}\d{2,4}(?!\w)"
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NAME = re.compile(r"\b([A-Z][a-z]+)(?: [A-Z]\.)? ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


@cache
def _first_names() -> frozenset[str]:
    from faker.providers.person.en_US import Provider

    return frozenset(Provider.first_names)


def _fake(kind: str, original: str) -> str:
    seed = int.from_bytes(hashlib.sha256(f"{kind}:{original}".encode()).digest()[:8], "big")
    faker = Faker("en_US")
    faker.seed_instance(seed)
    if kind == "email":
        return str(faker.email())
    if kind == "phone":
        return str(faker.numerify("+1 555-###-####"))
    return f"{faker.first_name()} {faker.last_name()}"


def scrub_text(text: str) -> str:
    """``text`` with its e-mail addresses, phone numbers and personal names replaced."""
    text = EMAIL.sub(lambda m: _fake("email", m.group(0)), text)
    text = PHONE.sub(_phone, text)

    def name(match: re.Match[str]) -> str:
        if match.group(1) in _first_names():
            return _fake("name", match.group(0))
        return match.group(0)

    return NAME.sub(name, text)


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if sum(c.isdigit() for c in found) < 7 or DATE.fullmatch(found):
        return found
    return _fake("phone", found)


def scrub(value: Any) -> Any:
    """A copy of ``value`` with every string scrubbed (keys are left alone)."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    return value


def setup(api: PluginAPI) -> None:
    @api.request_transform
    def scrub_request(body: Any) -> Any:
        return scrub(body)

    @api.record_transform
    def scrub_recording(entry: dict[str, Any]) -> dict[str, Any]:
        out = dict(entry)
        for key in ("response", "sequence"):
            if key in out:
                out[key] = scrub(out[key])
        return out
