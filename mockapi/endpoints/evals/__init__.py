"""The Evals API: evals (:mod:`.evals`), their runs on the job machinery (:mod:`.family`,
:mod:`.runs`) and the runs' output items, each graded by the fine-tuning graders."""
