"""Logit-adjusted cross-entropy (Menon et al., ICLR 2021; "balanced softmax", Ren et al. 2020).

The loss sees the logits plus log(class prior) of the training part, so the model itself learns
logits for a uniform prior: its plain softmax already decides for balanced accuracy, without
weighting rare classes' rows up to 60-fold as inverse-frequency class weights do.

The model ends in a softmax (calibration folds its temperature into that layer), so the loss
recovers the logits as log(probability), which differs from them only by a per-row constant.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

_FLOOR = 1e-7  # keeps log() finite; only probabilities the model is already sure of are floored


@keras.saving.register_keras_serializable(package="training")
class LogitAdjustedCrossentropy(keras.losses.Loss):
    """Cross-entropy of softmax(logits + log prior) against integer or one-hot targets."""

    def __init__(
        self,
        log_prior: list[float] | np.ndarray,
        label_smoothing: float = 0.0,
        name: str = "logit_adjusted_crossentropy",
        **kwargs,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.log_prior = [float(v) for v in log_prior]
        self.label_smoothing = label_smoothing

    def call(self, y_true, y_pred):
        """Return the per-row loss; one-hot targets when smoothing, integer ones otherwise."""
        logits = ops.log(ops.clip(y_pred, _FLOOR, 1.0)) + ops.convert_to_tensor(self.log_prior)
        if self.label_smoothing > 0:
            return keras.losses.categorical_crossentropy(
                y_true, logits, from_logits=True, label_smoothing=self.label_smoothing
            )
        return keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True)

    def get_config(self) -> dict:
        """Return what rebuilds the loss (the prior and the smoothing)."""
        return {
            **super().get_config(),
            "log_prior": self.log_prior,
            "label_smoothing": self.label_smoothing,
        }
