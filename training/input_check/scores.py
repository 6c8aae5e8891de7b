"""Two ways to score how much an image's features look like the training images'.

- `MahalanobisScorer`: class-conditional Gaussians with one shared, shrunk covariance, fitted on
  dermoscopy only; the score is minus the distance to the nearest class (Lee et al., 2018).
- `LogisticScorer`: a linear model of dermoscopic vs not on standardised features, fitted with
  negative examples; the score is its probability of "dermoscopic".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.covariance import LedoitWolf
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


@dataclass
class MahalanobisScorer:
    """Minus the Mahalanobis distance to the nearest class mean, shared covariance."""

    means: np.ndarray | None = None
    precision: np.ndarray | None = None

    def fit(self, features: np.ndarray, labels: np.ndarray) -> MahalanobisScorer:
        """Fit class means and a Ledoit-Wolf shared covariance on in-distribution features."""
        features = features.astype(np.float64)
        classes = np.unique(labels)
        self.means = np.stack([features[labels == c].mean(axis=0) for c in classes])
        centred = features - self.means[np.searchsorted(classes, labels)]
        self.precision = LedoitWolf().fit(centred.astype(np.float64)).precision_
        return self

    def whitening(self) -> np.ndarray:
        """Return L with L Lᵀ = precision (from its eigendecomposition: robust to rounding)."""
        values, vectors = np.linalg.eigh((self.precision + self.precision.T) / 2)
        return vectors * np.sqrt(np.clip(values, 0, None))

    def score(self, features: np.ndarray) -> np.ndarray:
        """Return minus the smallest squared distance to a class mean (higher = more alike)."""
        distances = []
        for mean in self.means:
            d = features - mean
            distances.append(np.sum((d @ self.precision) * d, axis=1))
        return -np.min(distances, axis=0)


@dataclass
class LogisticScorer:
    """P(dermoscopic) from a balanced logistic regression on standardised features."""

    c: float = 0.1
    scaler: StandardScaler | None = None
    model: LogisticRegression | None = None

    def fit(self, positives: np.ndarray, negatives: np.ndarray) -> LogisticScorer:
        """Fit on dermoscopic `positives` and non-dermoscopic `negatives`."""
        x = np.concatenate([positives, negatives])
        y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])
        self.scaler = StandardScaler().fit(x)
        self.model = LogisticRegression(C=self.c, class_weight="balanced", max_iter=2000)
        self.model.fit(self.scaler.transform(x), y)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        """Return P(dermoscopic) for each row."""
        return self.model.predict_proba(self.scaler.transform(features))[:, 1]

    def folded(self) -> tuple[np.ndarray, float]:
        """Return (weights, bias) of the same decision on raw features: the scaler folded in."""
        weights = self.model.coef_[0] / self.scaler.scale_
        bias = float(self.model.intercept_[0] - np.sum(weights * self.scaler.mean_))
        return weights, bias


@dataclass
class CombinedScorer:
    """The smaller of the two scorers, each rescaled so that its own threshold maps to 0.5: below
    0.5 = not dermoscopic. The logistic part's threshold starts at the `flag_rate` quantile of
    held-back dermoscopy (every calibration source pooled), the distance part's at
    `distance_flag_rate` (None: the same); with `max_flagged`, both then move together to the one
    place where no source has more than that share flagged and the strictest does."""

    flag_rate: float = 0.008
    max_flagged: float | None = None
    distance_flag_rate: float | None = None
    logistic: LogisticScorer | None = None
    maha: MahalanobisScorer | None = None
    logit_threshold: float = 0.0
    distance_threshold: float = 0.0
    distance_scale: float = 1.0

    def fit(
        self,
        positives: np.ndarray,
        labels: np.ndarray,
        negatives: np.ndarray,
        calibration: Sequence[np.ndarray],
    ) -> CombinedScorer:
        """Fit both scorers on training dermoscopy (`positives`, class `labels`) and
        `negatives`; set the thresholds on other dermoscopy (`calibration`: one array per
        source)."""
        self.logistic = LogisticScorer().fit(positives, negatives)
        self.maha = MahalanobisScorer().fit(positives, labels)
        pooled = np.concatenate(calibration)
        logits = self.logit(pooled)
        distances = -self.maha.score(pooled)
        self.logit_threshold = float(np.quantile(logits, self.flag_rate))
        distance_rate = (
            self.flag_rate if self.distance_flag_rate is None else self.distance_flag_rate
        )
        self.distance_threshold = float(np.quantile(distances, 1 - distance_rate))
        self.distance_scale = float(np.std(distances))
        if self.max_flagged is not None:
            # Each source's own threshold flags at most max_flagged of it; the lowest serves all.
            shift = min(
                float(np.quantile(self.margin(source), self.max_flagged, method="lower"))
                for source in calibration
            )
            self.logit_threshold += shift
            self.distance_threshold -= shift * self.distance_scale
        return self

    def logit(self, features: np.ndarray) -> np.ndarray:
        """Return the logistic model's log-odds of "dermoscopic"."""
        return self.logistic.model.decision_function(self.logistic.scaler.transform(features))

    def margin(self, features: np.ndarray) -> np.ndarray:
        """Return the smaller of the two parts' rescaled log-odds (below 0: not dermoscopic)."""
        by_logistic = self.logit(features) - self.logit_threshold
        distances = -self.maha.score(features)
        by_distance = (self.distance_threshold - distances) / self.distance_scale
        return np.minimum(by_logistic, by_distance)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Return the combined score in 0..1 (below 0.5: not dermoscopic)."""
        return expit(self.margin(features))
