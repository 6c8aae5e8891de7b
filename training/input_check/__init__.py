"""The input check: is an upload a dermoscopic lesion image like the training images?"""
