"""Convolutional networks for facial expressions.

For now this module holds the real pretrained model that ships with the course:
mini-Xception trained on FER2013 (Arriaga et al.), a tf.keras model.
"""

from __future__ import annotations

import numpy as np

from fercourse import assets
from fercourse._env import keras, quiet_stderr
from fercourse.emotions import FER2013_LABELS
from fercourse.errors import InvalidInputError

__all__ = ["PretrainedFER"]


class PretrainedFER:
    """The shipped FER2013 mini-Xception behind a ``predict`` / ``predict_proba`` interface.

    It expects face crops: grey (or RGB, converted) images of any size, resized to
    64 x 64 and scaled to [-1, 1] as the model was trained.  Outputs follow
    :data:`fercourse.emotions.FER2013_LABELS`.
    """

    input_size = 64
    classes = FER2013_LABELS

    def __init__(self):
        from fercourse._env import tensorflow

        tf = tensorflow()
        with quiet_stderr():
            self.model = keras().models.load_model(str(assets.path("fer2013_mini_xception")), compile=False)
        # A traced graph runs a small batch about 10x faster than an eager call.
        self._forward = tf.function(
            lambda batch: self.model(batch, training=False),
            input_signature=[tf.TensorSpec([None, self.input_size, self.input_size, 1], tf.float32)],
        )

    def _prepare(self, faces) -> np.ndarray:
        import cv2

        from fercourse.face import to_gray

        if isinstance(faces, np.ndarray):
            # (H, W) and (H, W, C) are one face; (N, H, W) and (N, H, W, C) are a batch.
            one_image = faces.ndim == 2 or (faces.ndim == 3 and faces.shape[-1] in (1, 3, 4))
            faces = [faces] if one_image else list(faces)
        if not isinstance(faces, (list, tuple)) or len(faces) == 0:
            raise InvalidInputError("predict_proba needs one face crop or a non-empty list/batch of crops.")
        batch = np.empty((len(faces), self.input_size, self.input_size, 1), dtype=np.float32)
        for i, face in enumerate(faces):
            gray = to_gray(face, name=f"face crop {i}")
            if gray.shape != (self.input_size, self.input_size):
                gray = cv2.resize(gray, (self.input_size, self.input_size), interpolation=cv2.INTER_AREA)
            batch[i, :, :, 0] = gray
        return batch / 255.0 * 2.0 - 1.0

    def predict_proba(self, faces) -> np.ndarray:
        """Class probabilities, shape ``(n_faces, 7)``."""
        return self._forward(self._prepare(faces)).numpy()

    def predict(self, faces) -> list[str]:
        """The most likely emotion name for each face."""
        return [self.classes[i] for i in self.predict_proba(faces).argmax(axis=1)]
