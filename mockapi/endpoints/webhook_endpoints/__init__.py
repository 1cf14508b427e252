"""Webhook endpoints registered through the API (``client.webhooks``): CRUD, secret
rotation, test deliveries and the event types (:mod:`~mockapi.endpoints.webhook_endpoints.routes`);
every event the server sends reaches the endpoints subscribed to its type."""
