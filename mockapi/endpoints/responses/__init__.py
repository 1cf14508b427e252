"""The Responses API: ``/v1/responses``, its sub-resources and its WebSocket mode."""
