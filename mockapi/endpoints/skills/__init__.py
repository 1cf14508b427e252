"""The Skills API: versioned bundles of files anchored by a ``SKILL.md`` manifest
(:mod:`~mockapi.endpoints.skills.routes`)."""
