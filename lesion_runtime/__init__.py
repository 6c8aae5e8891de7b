"""Running the shipped models: model files and their ONNX contract, and assembling ensembles.

It sits between `lesion_core` (what training and serving agree on) and its users (the service,
the CLI, training and the benchmarks), and never imports any of them. No TensorFlow, no Flask.
"""
