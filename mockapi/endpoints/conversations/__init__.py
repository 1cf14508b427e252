"""The Conversations API (``/v1/conversations``): the Responses API's stored threads.

``items`` holds an item's shapes (as stored, as listed with ``include``), ``stored`` the
conversations and their items in the state store (what ``responses.create(conversation=
...)`` reads and appends to, through :mod:`mockapi.endpoints.responses.conversation`),
and ``routes`` the endpoints.
"""
