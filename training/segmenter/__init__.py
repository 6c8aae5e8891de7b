"""The lesion segmenter: HAM10000 masks, the compact U-Net, training, evaluation, Otsu baseline."""
