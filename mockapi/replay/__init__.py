"""The server minus HTTP: no starlette, no disk.

``engine`` runs the replay flow (parse -> authenticate -> validate -> match -> render);
``admission`` holds the checks before it (key, size, body); ``request`` parses what the
client sent (strict JSON, forms) into a request; ``router`` resolves a path to its
endpoint; ``render`` turns a fixture response or a synthesized body into the response to
send; ``fault_plan`` applies one request's faults and rate limit; ``journal`` keeps what
the server received; ``control`` holds the operations the admin API and the pytest
handle share (reset, record mode, faults, rate limits, run-time fixtures); ``jobs`` a
test's control over the jobs the server created and its clock; ``webhooks`` the
endpoints finished jobs are announced to.

May import: everything below it (``wire`` ... ``endpoints``) and ``plugins``.
"""
