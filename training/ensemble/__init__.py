"""An ensemble of the served classifiers, built as one ONNX model the service serves like any
other: its members' probabilities pooled with weights, moved by per-class offsets and tempered,
all chosen on the validation part."""
