"""ChatKit's API (beta): sessions for a workflow and a user, and the threads ChatKit's
frontend leaves behind (:mod:`~mockapi.endpoints.chatkit.routes`)."""
