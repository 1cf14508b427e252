"""The Agents platform (beta, ``OpenAI-Beta: agents=v1``; ``client.beta.agents``), which the
OpenAPI document does not describe: the installed SDK's types are the contract. Its modules,
collected into one ``ENDPOINTS`` tuple by :mod:`~mockapi.endpoints.agents.routes`:

* agents and sessions (``/v1/agents``, ``/v1/agents/sessions/...``): :mod:`.agents` (reusable
  agents), :mod:`.sessions` (sessions, input, the live event stream), :mod:`.turns` (a turn
  taken: its events and items), :mod:`.model_turn` (its model call through the replay
  flow), :mod:`.events` (a session's event log, followed), :mod:`.history` (items, turns,
  subagents, traces), :mod:`.artifacts`, and :mod:`.stored` (how they are kept);
* environments, their files and templates (``/v1/agents/environments/...``);
* vaults and their credentials (``/v1/agents/vaults/...``), automations and their
  invocations (``/v1/agents/automations/...``).
"""
