"""HTTP: the only importers of ``starlette`` and ``uvicorn``.

``app`` (the Starlette app around a Replayer), ``admin`` (the ``/__mockapi/`` API),
``inspector`` (its page), ``websocket`` (the Responses WebSocket), ``delivery`` (answers
with their faults), ``server`` (uvicorn in the foreground or a thread), ``workers``
(several processes).

May import: everything but ``build``, ``testing``, ``cli`` and ``pytest_plugin``.
"""
