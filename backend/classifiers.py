"""The classifiers a worker serves, by name: the default one, and the others a request picks with
`?model=NAME`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from backend.errors import ApiError
from lesion_runtime.model_file import ModelLoadError, check_unique_names
from lesion_runtime.predictor import Predictor


class Classifiers:
    """Loaded classifiers in the configured order; the first is the default."""

    def __init__(self, predictors: Sequence[Predictor]) -> None:
        if not predictors:
            raise ModelLoadError("no classifier configured: set MODEL_PATHS or MODEL_PATH")
        check_unique_names((p.info.name, p.info.path) for p in predictors)
        self._by_name = {predictor.info.name: predictor for predictor in predictors}
        self.default = predictors[0]

    def __iter__(self) -> Iterator[Predictor]:
        return iter(self._by_name.values())

    @property
    def names(self) -> list[str]:
        """Return the classifiers' names, the default first."""
        return list(self._by_name)

    @property
    def ready(self) -> bool:
        """Whether every classifier is loaded and warmed up."""
        return all(predictor.ready for predictor in self)

    def pick(self, name: str | None) -> Predictor:
        """Return the classifier called `name` (None: the default), or raise a 404 naming those
        this server has."""
        if name is None:
            return self.default
        if name not in self._by_name:
            raise ApiError(
                404,
                "unknown_model",
                f"no model named {name!r} here; use one of {', '.join(self.names)} "
                "(GET /models describes them)",
            )
        return self._by_name[name]
