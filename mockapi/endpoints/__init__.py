"""The API families: one module or package per family, each declaring its routes
(:class:`~mockapi.endpoints.endpoint.Endpoint`), its shape (JSON <-> stream), its
synthesis and the objects it keeps. :data:`~mockapi.endpoints.registry.ROUTES` lists them
all in the order the router tries them.

May import: ``wire``, ``validation``, ``library``, ``matching``, ``faults``, ``generate``,
``state``.
"""
