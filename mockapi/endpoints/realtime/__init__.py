"""The Realtime API's HTTP routes: client secrets (ephemeral keys the mock then accepts),
beta sessions, and calls (:mod:`~mockapi.endpoints.realtime.routes`). The Realtime
WebSocket protocol is not served."""
