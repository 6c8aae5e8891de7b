"""Which images a run classifies: files, folders (searched recursively) and CSV lists of them."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lesion_cli.errors import CliError
from lesion_core.context import Context, ContextError, parse_context

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".dcm")
# A CSV's context columns, ours first, then ISIC's and HAM10000's names for them.
CONTEXT_COLUMNS = {
    "age": ("age", "age_approx"),
    "sex": ("sex",),
    "site": ("site", "anatom_site_general", "localization"),
}
PATH_COLUMN = "path"  # a CSV column of file paths
ID_COLUMNS = ("image", "image_id")  # or of image names (ISIC, HAM10000), found in --image-dir


@dataclass
class Found:
    """The images to classify, in order, and the ones a CSV lists that are not there."""

    images: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    contexts: dict[str, Context] = field(default_factory=dict)  # by path_key, from a CSV


def path_key(path: Path | str) -> str:
    """Return the absolute, normalised form of a path, under which a file counts once."""
    return os.path.normpath(os.path.abspath(path))


def find_images(
    sources: Sequence[Path], image_dir: Path | None = None, any_path: bool = False
) -> Found:
    """Return the images that files, folders and CSV files (a `path` column, or `image` or
    `image_id` names looked up in `image_dir`, by default the CSV's folder) name, each once; or
    raise CliError for a source that is not there, a folder without images, a CSV without
    those columns, or one whose paths leave that folder (unless `any_path`)."""
    if image_dir is not None and not image_dir.is_dir():
        raise CliError(f"--image-dir {image_dir}: no such folder")
    found = Found()
    for source in sources:
        if source.is_dir():
            found.images += folder_images(source)
        elif source.suffix.lower() == ".csv" and source.is_file():
            listed = listed_images(source, image_dir, any_path)
            found.images += listed.images
            found.missing += listed.missing
            found.contexts.update(listed.contexts)
        elif source.is_file():
            found.images.append(source)
        else:
            raise CliError(f"{source}: no such file or folder")
    once: dict[str, Path] = {}
    for path in found.images:
        once.setdefault(path_key(path), path)
    found.images = list(once.values())
    return found


def is_image_name(path: Path) -> bool:
    """Return whether a file's name says it is an image the service takes (not hidden)."""
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def folder_images(folder: Path) -> list[Path]:
    """Return the images in `folder` and below, sorted (hidden files and folders left out), or
    raise CliError when there is none."""
    images = sorted(
        path
        for path in folder.rglob("*")
        if is_image_name(path)
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.is_file()
    )
    if not images:
        raise CliError(f"{folder}: no images ({' '.join(IMAGE_SUFFIXES)}) in it or below it")
    return images


def listed_images(table: Path, image_dir: Path | None, any_path: bool = False) -> Found:
    """Return the images a CSV lists, relative paths and names taken from `image_dir` (by
    default the CSV's folder); raise CliError when it has no usable column, none is there, or
    (unless `any_path`) a path leads out of that folder: a CSV from elsewhere must not make the
    command read, and send to a service, whatever files it names."""
    base = image_dir or table.parent
    try:
        with table.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            column = next((c for c in (PATH_COLUMN, *ID_COLUMNS) if c in columns), None)
            if column is None:
                raise CliError(
                    f"{table}: needs a column `{PATH_COLUMN}` (image files) or "
                    f"{' or '.join(f'`{c}`' for c in ID_COLUMNS)} (image names, found in "
                    f"--image-dir); its columns are {', '.join(columns) or 'none'}"
                )
            rows = [row for row in reader if (row.get(column) or "").strip()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CliError(f"{table}: cannot read it as CSV ({exc})") from None
    values = [row[column].strip() for row in rows]
    contexts = [row_context(table, number, row) for number, row in enumerate(rows, start=2)]
    if column == PATH_COLUMN:
        paths = [base / value for value in values]  # an absolute value stays as it is
        outside = [p for p in paths if not p.resolve().is_relative_to(base.resolve())]
        if outside and not any_path:
            raise CliError(
                f"{table}: {len(outside)} of its paths lead out of {base} (the first: "
                f"{outside[0]}); give the folder that holds them with --image-dir, or pass "
                "--any-path to read wherever the CSV points"
            )
    else:
        paths = list(named_images(values, base))
    found = Found(
        images=[p for p in paths if p.is_file()],
        missing=[p for p in paths if not p.is_file()],
        contexts={path_key(p): c for p, c in zip(paths, contexts, strict=True) if c.given},
    )
    if paths and not found.images:
        raise CliError(
            f"{table}: none of its {len(paths)} images is there (the first: {paths[0]}); "
            "name the folder that holds them with --image-dir"
        )
    return found


def named_images(names: Iterable[str], folder: Path) -> Iterable[Path]:
    """Return the file of each image name in `folder` or below: the name itself when it is a
    file there, else the image whose name without its extension is `name`."""
    by_stem: dict[str, Path] = {}
    if folder.is_dir():
        for path in sorted(folder.rglob("*"), reverse=True):  # the first in sort order wins
            if is_image_name(path):
                by_stem[path.stem] = path
    for name in names:
        direct = folder / name
        yield direct if direct.is_file() else by_stem.get(name, direct)


def row_context(table: Path, line: int, row: dict[str, str | None]) -> Context:
    """Return the context a CSV row's columns give (CONTEXT_COLUMNS), or raise CliError naming
    the line and the value refused."""
    raw = {
        name: next((row[c] for c in columns if (row.get(c) or "").strip()), None)
        for name, columns in CONTEXT_COLUMNS.items()
    }
    try:
        return parse_context(**raw)
    except ContextError as exc:
        raise CliError(f"{table}, line {line}: {exc}") from None
