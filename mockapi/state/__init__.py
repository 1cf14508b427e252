"""What the server created and keeps (stored responses, chat completions, voices):
thread-safe, bounded, reset between tests. ``store`` is the interface
(:class:`~mockapi.state.store.StateStore`), ``objects`` its memory backend and ``sqlite``
its SQLite backend, shared by processes and kept across restarts; ``clock`` the mock's
time, which a test moves forward.

May import: ``wire``.
"""
