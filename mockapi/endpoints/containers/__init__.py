"""Containers: the sandboxes the code interpreter runs in, and their files.

:mod:`~mockapi.endpoints.containers.stored` keeps them in the state store (the part the
Responses API's ``code_interpreter`` tool uses too); :mod:`~mockapi.endpoints.containers.routes`
serves ``/v1/containers`` and ``/v1/containers/{id}/files``. No code is ever executed.
"""
