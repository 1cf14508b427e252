"""Chat Completions: ``/v1/chat/completions`` and its stored completions."""
