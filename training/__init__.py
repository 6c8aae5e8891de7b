"""Training, evaluation, and the definitions shared with serving: classes and preprocessing."""
