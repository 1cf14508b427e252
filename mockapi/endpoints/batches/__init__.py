"""The Batch API (``/v1/batches``): a file of requests run through the replay flow.

``routes`` holds the endpoints and the batch's lifecycle (its steps), ``input`` checks an
input file as the API does before a batch runs, and ``runner`` runs its lines (each one
through :attr:`~mockapi.endpoints.endpoint.Context.dispatch`, as a direct request) and
writes the output and error files.
"""
