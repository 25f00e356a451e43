"""Notebook widgets of the course.

:class:`Webcam` -- the page's camera streamed to the kernel, with the kernel's
answer (boxes, labels, probabilities, landmarks) drawn over the live video.  Its
JavaScript and CSS ship in this package (``static/``): nothing is built or
fetched from the internet.
"""

from fercourse.widgets.webcam import Webcam, enable_colab_widgets

__all__ = ["Webcam", "enable_colab_widgets"]
