"""Where the Responses API keeps its objects in the state store.

A module of its own so that the WebSocket layer, which only reads and writes kept
responses, need not import the whole family (:mod:`.routes`) at start-up.
"""

STORED = "responses"
"""The ObjectStore collection: response id -> {response, input, history, request, pending}."""
