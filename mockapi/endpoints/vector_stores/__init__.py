"""Vector stores (``/v1/vector_stores``): documents uploaded as Files, attached to a
store, their text extracted (``extract``) and chunked (``chunking``) once when each
file completes, so that search (``search``) returns the real passages.

``kinds`` names what the state store keeps; ``passages`` is what search reads (a store's
chunks, and the 404 for a store the server does not have).
"""
