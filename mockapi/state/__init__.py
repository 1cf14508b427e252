"""What the server created and keeps (stored responses, chat completions, voices):
thread-safe, bounded, reset between tests. ``store`` is the interface
(:class:`~mockapi.state.store.StateStore`), ``objects`` its memory backend and ``sqlite``
its SQLite backend, shared by processes and kept across restarts (issue 16; not yet wired
into the server).

May import: ``wire``.
"""
