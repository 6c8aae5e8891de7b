"""`lesion predict`: classify images into one row each, carrying on where an earlier run into the
same output file stopped."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from lesion_cli.arguments import PredictOptions
from lesion_cli.errors import FAILED, CliError
from lesion_cli.inputs import find_images
from lesion_cli.local import LocalRunner
from lesion_cli.models import is_model_file, model_path
from lesion_cli.remote import RemoteRunner
from lesion_cli.writers import Earlier, RowWriter, earlier_rows, image_key
from lesion_core.context import Context

SHOWN = 3  # file names a note quotes before "…"
INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C


@dataclass
class Summary:
    """What a run did."""

    model_version: str
    classified: int = 0  # images this run gave a row (or, in the ISIC format, tried to)
    failed: Counter[str] = field(default_factory=Counter)  # error codes and their counts
    left_out: list[str] = field(default_factory=list)  # failed images the format cannot hold
    already: int = 0  # images the output held before
    seconds: float = 0.0  # classifying and writing, once the models were loaded

    def describe(self, out: Path | None) -> str:
        """Return the run in one line."""
        already = f"{images(self.already)} already in {out}" if self.already else ""
        if not self.classified:
            return f"{self.model_version}: nothing new to classify" + (
                f"; {already}" if already else ""
            )
        rate = self.classified / self.seconds if self.seconds else 0.0
        text = (
            f"{self.model_version}: {images(self.classified)} classified in {self.seconds:.1f} s "
            f"({rate:.1f} images/s)"
        )
        if failed := sum(self.failed.values()):
            codes = ", ".join(f"{code} {count}" for code, count in self.failed.most_common())
            text += f", {failed} failed ({codes})"
        return text + (f"; {already}" if already else "")


def images(count: int) -> str:
    """Return "1 image" or "N images"."""
    return f"{count} image" + ("" if count == 1 else "s")


def run(options: PredictOptions) -> int:
    """Classify, say what was done on standard error, and return the exit status."""
    try:
        summary = predict(options)
    except KeyboardInterrupt:
        carry_on = "; rerun the same command to carry on" if options.out else ""
        raise CliError("interrupted" + carry_on, INTERRUPTED) from None
    note(summary.describe(options.out))
    if summary.left_out:
        note(
            f"{images(len(summary.left_out))} failed, left out of the ISIC file "
            f"({quoted(summary.left_out)}); --format csv says why"
        )
        return FAILED
    return 0


def predict(options: PredictOptions, progress: bool = True) -> Summary:
    """Classify the images the options name that the output does not hold yet, appending their
    rows to it (or writing them to standard output), and return what was done."""
    found = find_images(options.inputs, options.image_dir, options.any_path)
    if found.missing:
        note(
            f"left out {images(len(found.missing))} listed but not there ({quoted(found.missing)})"
        )
    if options.format == "isic":
        refuse_shared_names(found.images)
    earlier = earlier_rows(options.out, options.format) if options.out else Earlier()
    runner = open_runner(options, found.contexts)
    summary = Summary(runner.version)
    if others := earlier.versions - {runner.version}:
        raise CliError(
            f"--out {options.out} holds answers of {', '.join(sorted(others))}, and this run's "
            f"model is {runner.version}: name another file"
        )
    todo = [path for path in found.images if image_key(path, options.format) not in earlier.keys]
    summary.already = len(found.images) - len(todo)
    started = time.perf_counter()
    bar = tqdm(total=len(todo), unit="image", delay=1.0, disable=None if progress else True)
    with output(options.out) as (stream, new), bar:
        writer = RowWriter(stream, options.format, header=new)
        for rows in runner.classify(todo):
            writer.write(rows)
            for row in (row for row in rows if row.error):
                summary.failed[row.error.split(":")[0]] += 1
                if not writer.holds(row):
                    summary.left_out.append(row.path)
            summary.classified += len(rows)
            bar.update(len(rows))
    summary.seconds = time.perf_counter() - started
    return summary


def open_runner(
    options: PredictOptions, contexts: Mapping[str, Context]
) -> LocalRunner | RemoteRunner:
    """Return the runner the options ask for, a service's (--url) or this process's, giving
    each image the context a CSV said of it (`contexts`, by path_key)."""
    if options.url is None:
        return LocalRunner(model_path(options.model), options.workers, contexts=contexts)
    if options.model and is_model_file(options.model):
        raise CliError("--model with --url names a classifier the service serves, not a file")
    return RemoteRunner(options.url, options.api_key, options.model, options.workers, contexts)


@contextmanager
def output(out: Path | None) -> Iterator[tuple[TextIO, bool]]:
    """Yield the stream to append rows to, and whether it is new (it needs a header)."""
    if out is None:
        yield sys.stdout, True
        return
    new = not out.is_file() or out.stat().st_size == 0
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stream = out.open("a", newline="", encoding="utf-8")
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write it ({exc.strerror})") from None
    with stream:
        yield stream, new


def refuse_shared_names(paths: list[Path]) -> None:
    """Raise CliError when two images share a name (the ISIC format names rows by it)."""
    first: dict[str, Path] = {}
    for path in paths:
        if (other := first.setdefault(path.stem, path)) is not path:
            raise CliError(
                f"{other} and {path} are both image {path.stem}, and the ISIC format names rows "
                "by image: classify them into separate files"
            )


def quoted(paths: list) -> str:
    """Return the first few paths, and how many more there are."""
    shown = ", ".join(str(path) for path in paths[:SHOWN])
    return shown + (f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else "")


def note(text: str) -> None:
    """Tell the user, on standard error (standard output may carry the rows)."""
    print(text, file=sys.stderr)
