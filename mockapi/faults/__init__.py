"""What goes wrong, decided deterministically.

``spec`` parses fault specs (``status=429; retry_after=0.2``); ``state`` keeps the server's
rules and the counters that make each decision repeatable; ``answers`` builds the real
API's error answers; ``pacing`` times a stream; ``ratelimit`` keeps RPM and TPM buckets.

May import: ``wire``.
"""
