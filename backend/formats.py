"""The image formats the service accepts, named as clients need them: media types, extensions."""

from __future__ import annotations

from PIL import Image

from lesion_api.service import ImageFormat
from lesion_core.decode import ACCEPTED_FORMATS

Image.init()  # register every plugin, so MIME and the extensions below are complete


# DICOM files are read by pydicom, not Pillow (lesion_core.dicom).
DICOM = ImageFormat(name="DICOM", media_type="application/dicom", extensions=["dcm"])


def accepted_formats() -> list[ImageFormat]:
    """Return each accepted format with its media type and file name extensions (no dot)."""
    extensions = Image.registered_extensions()
    return [
        *(
            ImageFormat(
                name=name,
                media_type=Image.MIME[name],
                extensions=sorted(ext[1:] for ext, owner in extensions.items() if owner == name),
            )
            for name in ACCEPTED_FORMATS
        ),
        DICOM,
    ]


ACCEPTED_MEDIA_TYPES: tuple[str, ...] = tuple(f.media_type for f in accepted_formats())
