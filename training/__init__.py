"""Training, evaluation and the shared definitions (classes, preprocessing) of the lesion classifier."""
