"""What the server created and keeps (stored responses, chat completions, voices):
thread-safe, bounded, reset between tests.

May import: ``wire``.
"""
