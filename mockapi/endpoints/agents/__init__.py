"""The Agents platform (beta, ``OpenAI-Beta: agents=v1``; ``client.beta.agents``), which the
OpenAPI document does not describe: the installed SDK's types are the contract. Its modules,
collected into one ``ENDPOINTS`` tuple by :mod:`~mockapi.endpoints.agents.routes`:

* agents and sessions (``/v1/agents``, ``/v1/agents/sessions/...``): :mod:`.agents` (reusable
  agents), :mod:`.sessions` (sessions, their turns answered through the replay flow, the
  streamed events, items, turns, subagents, traces) and :mod:`.artifacts`;
* environments, their files and templates (``/v1/agents/environments/...``);
* vaults and their credentials (``/v1/agents/vaults/...``), automations and their
  invocations (``/v1/agents/automations/...``).
"""
