"""mockapi: a record-and-replay mock server for the OpenAI API, for tests."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
