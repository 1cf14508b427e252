"""Fine-tuning (``/v1/fine_tuning``): jobs, their checkpoints and the permissions that
share them, and the alpha graders API (``run``, ``validate``)."""
