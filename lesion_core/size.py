"""Image sizes: one type, width first as Pillow gives them, for every model input and upload."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Size(NamedTuple):
    """An image size in pixels. Arrays are (height, width, ...): `shape` gives that order."""

    width: int
    height: int

    @classmethod
    def of(cls, size: SizeLike) -> Size:
        """Return the Size of a square side or a (width, height) pair."""
        if isinstance(size, int):
            return cls(size, size)
        width, height = size
        return cls(int(width), int(height))

    @classmethod
    def of_array(cls, shape: Sequence[int]) -> Size:
        """Return the Size of an image array's shape: (height, width), (height, width,
        channels) or a batch (N, height, width, channels)."""
        height, width = shape[1:3] if len(shape) == 4 else shape[:2]
        return cls(int(width), int(height))

    @classmethod
    def parse(cls, text: str) -> Size:
        """Return the Size written as WIDTHxHEIGHT (e.g. 224x168); raise ValueError otherwise."""
        width, sep, height = text.partition("x")
        if not (sep and width.isdigit() and height.isdigit() and int(width) and int(height)):
            raise ValueError(f"{text!r} is not WIDTHxHEIGHT in pixels, e.g. 224x168")
        return cls(int(width), int(height))

    @property
    def shape(self) -> tuple[int, int]:
        """Return (height, width): the order of NumPy arrays and model tensors."""
        return self.height, self.width

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


SizeLike = int | tuple[int, int]  # a square side, or a (width, height) pair (a Size is one)
