"""Spec -> derived schemas -> compiled checks: the only importer of ``jsonschema``.

``derive`` turns the OpenAPI document into self-contained JSON Schemas per endpoint
(``targets`` lists the endpoints, ``additions_*`` declare the operations the spec lacks,
``patches`` and ``patches_stateful`` hold where the real API and the spec disagree, with
evidence, as ``patch.Patch`` rows), ``files`` writes and loads them, ``predicates``
compiles request schemas into fast checks, ``validator`` answers a request in the real
API's words, and ``forms`` types the string fields of a multipart form by its schema.

May import: ``wire``, and ``library.store`` (the one YAML reader) to read the spec.
"""
