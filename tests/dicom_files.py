"""DICOM files the tests make with pydicom from the sample images: VL photographic images of a
made-up patient, uncompressed RGB or JPEG-compressed YBR, with or without tags and pixels."""

from __future__ import annotations

import io

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, JPEGLSLossless, generate_uid

VL_PHOTOGRAPHIC = "1.2.840.10008.5.1.4.1.1.77.1.4"
PATIENT_NAME = "Doe^Jane"
PATIENT_ID = "123456"


def dicom_of(
    image: Image.Image,
    compressed: bool = False,
    age: str | None = None,
    sex: str | None = None,
    region: str | None = None,
    pixels: bool = True,
    syntax: str | None = None,
) -> bytes:
    """Return a DICOM file of `image` with the given PatientAge, PatientSex
    and anatomic region (code meaning); `syntax="jpeg-ls"` declares JPEG-LS, which needs a
    decoder plug-in the service does not install."""
    image = image.convert("RGB")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = VL_PHOTOGRAPHIC
    meta.MediaStorageSOPInstanceUID = generate_uid()
    data = Dataset()
    data.file_meta = meta
    data.SOPClassUID, data.SOPInstanceUID = VL_PHOTOGRAPHIC, meta.MediaStorageSOPInstanceUID
    data.Modality = "XC"
    data.PatientName, data.PatientID, data.PatientBirthDate = PATIENT_NAME, PATIENT_ID, "19500101"
    if age is not None:
        data.PatientAge = age
    if sex is not None:
        data.PatientSex = sex
    if region is not None:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "T-D2100", "SRT", region
        data.AnatomicRegionSequence = Sequence([item])
    data.Rows, data.Columns = image.height, image.width
    data.SamplesPerPixel, data.PlanarConfiguration = 3, 0
    data.BitsAllocated, data.BitsStored, data.HighBit, data.PixelRepresentation = 8, 8, 7, 0
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    data.PhotometricInterpretation = "RGB"
    if compressed or syntax == "jpeg-ls":
        jpeg = io.BytesIO()
        image.save(jpeg, "JPEG", quality=95)
        meta.TransferSyntaxUID = JPEGLSLossless if syntax == "jpeg-ls" else JPEGBaseline8Bit
        data.PhotometricInterpretation = "YBR_FULL_422"
        if pixels:
            data.PixelData = encapsulate([jpeg.getvalue()])
    elif pixels:
        data.PixelData = np.asarray(image).tobytes()
    out = io.BytesIO()
    pydicom.dcmwrite(out, data, enforce_file_format=True)
    return out.getvalue()
