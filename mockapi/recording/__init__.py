"""Upstream traffic -> disk; redaction is the one choke point before any write.

``recorder`` holds the record modes, the live tee and persisting; ``placement`` says
where a recording goes (its own file, or the next answer of a polled ``GET``'s
sequence); ``capture`` turns an exchange into a fixture entry; ``redaction`` removes
secrets (file contents too); ``upstream`` is the httpx client (the only httpx
importer); ``cassettes`` reads other tools' cassettes and ``importer`` turns them into
fixture files.

May import: everything but ``web`` and the top-level wiring.
"""
