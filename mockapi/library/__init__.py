"""The fixture format and its files: the only importer of ``yaml``.

``fixture`` parses entries (matchers, responses, sequences, faults), ``store`` reads and
writes fixture files safely and atomically, ``templating`` renders responses per request.
``packed`` keeps a large library's bulk small; ``cache`` and ``parsed`` keep what a load
decoded and made, so that the next one skips it.

May import: ``wire``, and ``faults`` (to parse a fixture's ``fault:`` key).
"""
