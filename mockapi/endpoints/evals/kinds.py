"""Where the Evals API keeps its objects in the state store.

A module of its own so that the jobs driver, which needs an eval run's kind at
start-up, need not import the evals family (its graders and schemas) until a run is.
"""

KIND = "evals"
"""The state store kind of ``eval`` objects, by id."""
UPDATED = "evals.updated"
"""When each eval was last created or updated (``order_by=updated_at``), by id."""
RUNS = "evals.runs"
"""The state store kind of ``eval.run`` objects, by id (:mod:`.family`)."""
OUTPUT_ITEMS = "evals.output_items"
"""The state store kind of ``eval.run.output_item`` objects, by id."""
