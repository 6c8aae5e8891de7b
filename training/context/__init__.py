"""Clinical context (age, sex, body site) fused with an image model's answer: the held-out
predictions it is fitted on, the fit, and its card section."""
