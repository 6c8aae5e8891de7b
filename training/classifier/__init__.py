"""The 28×28 classifiers: architectures, losses, training, evaluation, calibration, TTA and CAMs."""
