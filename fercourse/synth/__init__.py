"""Synthetic faces: the course's embedded default when no real dataset is present.

Faces are built the way a face tracker sees them: a mesh in MediaPipe's 478-point
topology (the same indices and triangles as a live webcam mesh), starting from
MediaPipe's own canonical neutral face (read from the shipped model bundle).  Three
things move it:

* **identity**: face width and length, jaw, eye spacing and size, nose, mouth,
  lips and brows, drawn at random per subject;
* **action units**: each FACS action unit (AU) is a smooth displacement field on the
  mesh (AU12 pulls the lip corners up and out, AU26 rotates the jaw open, ...), and
  an expression is a weighted sum of them;
* **pose**: yaw, pitch and roll.

The mesh is then rendered: a z-buffered triangle rasteriser with per-vertex
(Gouraud) shading, skin, lips, brows, eyes, teeth and hair, random lighting, noise,
blur and occlusions.  Every sample keeps its ground truth: emotion, AU intensities,
subject, pose and the exact 478 landmarks in image pixels.

Every generator of synthetic data lives here: :func:`faces` and :func:`clips`, and the
data sets single chapters need, :func:`synthetic_meshes` (meshes without images),
:func:`eye_state_faces` (faces labelled by eye closeness) and :func:`expression_faces`
(one face at rising intensities).  The generator needs no model; how real its faces
look to the shipped real models is measured by :mod:`fercourse.realism`.

The parts, in the order a face is made:

* :mod:`fercourse.synth.canonical`: the canonical and neutral meshes, and named groups of points;
* :mod:`fercourse.synth.identity`: the face shape of one person;
* :mod:`fercourse.synth.action_units`: the action units and :func:`face_mesh`;
* :mod:`fercourse.synth.rendering`: :func:`render` and the :class:`Appearance` of a face;
* :mod:`fercourse.synth.datasets`: labelled still faces (:func:`faces`);
* :mod:`fercourse.synth.videos`: labelled clips (:func:`clips`) and the AU sliders;
* :mod:`fercourse.synth.chapters`: the data sets of single chapters.

Two levels of use: a whole labelled data set (a :class:`fercourse.data.Dataset`), or
one face of your own.

>>> import numpy as np
>>> data = faces(14, size=48, seed=0)
>>> len(data), data.samples.shape[1:]
(14, (48, 48))
>>> subject = random_identity(np.random.default_rng(1))
>>> image, landmarks = render(face_mesh(subject, {12: 1.0, 6: 0.8}), size=192)
>>> image.shape, landmarks.shape
((192, 192, 3), (478, 3))
"""

from fercourse.synth.action_units import AU_NUMBERS, EXPRESSIVENESS, face_mesh
from fercourse.synth.canonical import canonical_mesh, neutral_mesh
from fercourse.synth.chapters import (
    AU_FACES_POOL,
    EYE_LEVELS,
    au_faces,
    GRID_INTENSITIES,
    expression_faces,
    expression_patterns,
    eye_state_faces,
    synthetic_meshes,
)
from fercourse.synth.datasets import AU_COLUMNS, expression_aus, faces, independent_aus
from fercourse.synth.identity import Identity, random_identity
from fercourse.synth.rendering import Appearance, random_appearance, render
from fercourse.synth.videos import EXPRESSION_KINDS, au_sliders, blink_track, clips, envelope

__all__ = [
    "Identity",
    "Appearance",
    "AU_NUMBERS",
    "canonical_mesh",
    "random_identity",
    "random_appearance",
    "face_mesh",
    "render",
    "faces",
    "clips",
    "expression_aus",
    "independent_aus",
    "au_faces",
    "AU_FACES_POOL",
    "envelope",
    "blink_track",
    "au_sliders",
    "neutral_mesh",
    "EXPRESSIVENESS",
    "AU_COLUMNS",
    "EXPRESSION_KINDS",
    "synthetic_meshes",
    "EYE_LEVELS",
    "eye_state_faces",
    "GRID_INTENSITIES",
    "expression_patterns",
    "expression_faces",
]
