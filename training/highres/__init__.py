"""The high-resolution classifier: EfficientNet-Lite0 fine-tuned from ImageNet weights."""
