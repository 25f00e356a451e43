"""Faces in images: checking, detection, the 478-point mesh, alignment, crops, normalisation.

The home module of chapter 03 (preprocessing).  From the one obvious call to the
pieces below it:

* :func:`get_faces` -- every face in a photo, aligned on the eye line, cropped by
  eye distance and resized, with its box;
* :func:`detect_faces` -- boxes from three detectors behind one interface (OpenCV's
  Haar cascade, MediaPipe's BlazeFace, the boxes of the landmarker's meshes);
* :func:`detect_meshes` / :class:`FaceLandmarker` -- MediaPipe's Face Landmarker
  (Tasks API, run from the bundle shipped in :mod:`fercourse.assets`), on still
  images or on video frames: 478 3-D landmarks, 52 blendshape scores and the
  facial transformation matrix (hence the head pose) per face; :func:`track_meshes`
  follows one face through a clip;
* :func:`align`, :func:`rotate`, :func:`crop_by_eyes` (and :func:`crop_corners`, the
  region it cuts), :func:`crop_square`, :func:`expression_crop` (the crop the
  expression model is fed), :func:`region_crops` (the MicroX eye, nose, mouth and
  face crops of a clip);
* :func:`equalize`, :func:`smooth`, :func:`resize`, :func:`convert_color` -- small
  functions that compose;
* the eyes of any face: :func:`eye_centers` (of a FaceMesh, a detection or
  landmarks) and :func:`eye_line_angle`.  The mesh's own conventions (``REGIONS``,
  ``LANDMARKS_68``, ``CROP_REGIONS``, ``N_LANDMARKS``, ``edges``,
  ``canonical_mesh``, ``mirror_indices``, the inter-ocular distance) live in
  :mod:`fercourse.mesh`;
* scoring against ground truth (such as the exact landmarks of :mod:`fercourse.synth`):
  :func:`detection_testset` and :func:`evaluate_detectors` for detectors (boxes are
  paired by :func:`fercourse.matching.match_boxes`), :func:`landmark_distances` and
  :func:`region_errors` for landmarks.

Augmentation (flips, distortions, affine, brightness) lives in :mod:`fercourse.augment`.

The parts, in the order they build on each other: :mod:`~fercourse.face.images`
(reading and checking images), :mod:`~fercourse.face.results` (:class:`FaceMesh`,
:class:`Detection`), :mod:`~fercourse.face.landmarker`,
:mod:`~fercourse.face.landmarks` (eyes, landmark accuracy),
:mod:`~fercourse.face.detection`, :mod:`~fercourse.face.alignment`,
:mod:`~fercourse.face.normalisation` and :mod:`~fercourse.face.crops`.  Every public
name is reachable here, as ``face.name``.

Conventions, used everywhere in the course:

* Points are ``(x, y)`` or ``(x, y, z)`` in pixels, x to the right, y down, with
  pixel centres at whole numbers (OpenCV's convention).
* **Left and right are the subject's own**, as in MediaPipe's names: the "left
  eye" is the person's left eye, which in an ordinary (unmirrored) photo of a
  frontal face appears on the *image's right*.  Where an order of two eyes
  matters it is (right eye, left eye), which for an upright face is image-left
  first.

>>> from skimage.data import astronaut
>>> faces = get_faces(astronaut(), size=48)
>>> len(faces), faces[0].image.shape
(1, (48, 48, 3))
"""

from __future__ import annotations

from fercourse.checks import check_image_array  # re-exported; its home is fercourse.checks
from fercourse.face.alignment import align, crop_by_eyes, crop_corners, rotate, transform_points
from fercourse.face.crops import FaceCrop, crop_square, expression_crop, get_faces, region_boxes, region_crops
from fercourse.face.detection import (
    DETECTION_METHODS,
    FaceDetector,
    detect_faces,
    detection_testset,
    evaluate_detectors,
    side_by_side,
)
from fercourse.face.images import (
    MAX_IMAGE_PIXELS,
    as_rgb,
    decode_frame,
    decode_image,
    encode_frame,
    load_image,
    to_gray,
)
from fercourse.face.landmarker import MAX_TIMESTAMP_MS, FaceLandmarker, detect_mesh, detect_meshes, track_meshes
from fercourse.face.landmarks import eye_centers, eye_line_angle, landmark_distances, region_errors
from fercourse.face.normalisation import convert_color, equalize, resize, smooth
from fercourse.face.results import KEYPOINT_NAMES, Detection, FaceMesh, HeadPose, landmark_box

__all__ = [
    "KEYPOINT_NAMES",
    "DETECTION_METHODS",
    "HeadPose",
    "FaceMesh",
    "FaceLandmarker",
    "MAX_TIMESTAMP_MS",
    "Detection",
    "FaceDetector",
    "FaceCrop",
    "as_rgb",
    "to_gray",
    "MAX_IMAGE_PIXELS",
    "load_image",
    "decode_image",
    "decode_frame",
    "encode_frame",
    "check_image_array",
    "detect_meshes",
    "detect_mesh",
    "detect_faces",
    "eye_centers",
    "eye_line_angle",
    "landmark_box",
    "landmark_distances",
    "region_errors",
    "side_by_side",
    "detection_testset",
    "evaluate_detectors",
    "track_meshes",
    "transform_points",
    "rotate",
    "align",
    "crop_by_eyes",
    "crop_corners",
    "get_faces",
    "crop_square",
    "expression_crop",
    "region_boxes",
    "region_crops",
    "equalize",
    "smooth",
    "resize",
    "convert_color",
]
