"""Deterministic data that knows no endpoint: schema-driven JSON, prose, log
probabilities and embedding vectors, the same for the same seed.

May import: ``wire``, ``validation``.
"""
