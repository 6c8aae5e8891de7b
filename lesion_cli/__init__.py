"""The `lesion` command line: classify many images (`lesion predict`) and score the answers
against the truth (`lesion score`), in-process through the service's own inference code or
against a running service. Nothing here needs TensorFlow."""
