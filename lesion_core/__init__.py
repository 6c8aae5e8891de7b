"""What training and serving must agree on: classes, preprocessing, CAMs, outlines, boxes.

Nothing here needs TensorFlow: the inference service imports this package and never `training`.
"""
