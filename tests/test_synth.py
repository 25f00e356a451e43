"""fercourse.synth: the synthetic faces and clips that are the course's embedded default."""

import numpy as np
import pytest

from fercourse import synth
from fercourse.data import Dataset
from fercourse.emotions import FER2013_LABELS, PROTOTYPES
from fercourse.errors import InvalidInputError
from fercourse.mesh import RIGHT_EYE_RING, triangles


@pytest.fixture(scope="module")
def small():
    return synth.faces(70, size=48, seed=3)


def test_canonical_mesh_is_mediapipes_neutral_face_in_image_axes():
    points = synth.canonical_mesh()
    assert points.shape == (478, 3)
    assert points[4, 2] == points[:468, 2].min()  # the tip of the nose is nearest the camera
    assert points[10, 1] < points[1, 1] < points[152, 1]  # forehead above nose above chin
    assert points[33, 0] < 0 < points[263, 0]  # the subject's right eye is on the image's left
    assert np.allclose(points[468, :2], points[list(RIGHT_EYE_RING), :2].mean(axis=0))


def test_tessellation_triangles_match_mediapipes_edges():
    from fercourse.mesh import edges as mesh_edges

    tri = triangles()
    assert tri.shape == (852, 3)
    edges = {tuple(sorted(e)) for t in tri for e in ((t[0], t[1]), (t[1], t[2]), (t[0], t[2]))}
    assert edges == set(map(tuple, mesh_edges().tolist()))


def test_neutral_face_has_closed_lips():
    neutral = synth.neutral_mesh()
    assert abs(neutral[14, 1] - neutral[13, 1]) < 0.05


@pytest.mark.parametrize(
    "au, point, direction",
    [
        (12, 61, (-1, -1)),  # lip corner puller: the right corner moves out (image left) and up
        (15, 291, (0, 1)),  # lip corner depressor: the corner moves down
        (1, 107, (0, -1)),  # inner brow raiser: the inner brow moves up
        (4, 107, (1, 1)),  # brow lowerer: the brow moves down and towards the midline
        (26, 152, (0, 1)),  # jaw drop: the chin moves down
        (43, 159, (0, 1)),  # eyes closed: the upper lid moves down
    ],
)
def test_action_units_move_the_right_points_the_right_way(au, point, direction):
    moved = synth.face_mesh(aus={au: 1.0})[point, :2] - synth.face_mesh()[point, :2]
    for axis, sign in enumerate(direction):
        if sign:
            assert np.sign(moved[axis]) == sign, (au, point, moved)


def test_eyes_closed_meets_the_lower_lid():
    closed = synth.face_mesh(aus={43: 1.0})
    assert abs(closed[159, 1] - closed[145, 1]) < 0.05


def test_contempt_is_one_sided():
    mesh = synth.face_mesh(aus={"R12": 1.0})
    neutral = synth.face_mesh()
    assert np.linalg.norm(mesh[61] - neutral[61]) > 0.5
    assert np.linalg.norm(mesh[291] - neutral[291]) < 0.05


def test_pose_rotates_the_face():
    turned = synth.face_mesh(pose=(30, 0, 0))
    frontal = synth.face_mesh()
    assert turned[1, 0] > frontal[1, 0] + 1.0  # yaw to the image's right moves the nose tip right
    rolled = synth.face_mesh(pose=(0, 0, 20))  # counter-clockwise as seen: the eye line rises to the right
    eye_line = rolled[263, :2] - rolled[33, :2]
    assert np.degrees(np.arctan2(eye_line[1], eye_line[0])) == pytest.approx(-20, abs=1.0)
    raised = synth.face_mesh(pose=(0, 15, 0))  # looking up: the chin comes forward, towards the camera
    assert raised[152, 2] < frontal[152, 2] - 0.5


def test_drawn_pose_has_the_landmarkers_signs():
    from fercourse import face

    who = synth.random_identity(np.random.default_rng(0))
    look = synth.Appearance(face_fraction=0.6)

    def measured(pose):
        return face.detect_mesh(synth.render(synth.face_mesh(who, {}, pose), size=192, look=look)[0]).pose

    frontal = measured((0, 0, 0))
    for k, name in enumerate(("yaw", "pitch", "roll")):
        for angle in (-12, 12):
            pose = [0, 0, 0]
            pose[k] = angle
            moved = getattr(measured(pose), name) - getattr(frontal, name)
            assert np.sign(moved) == np.sign(angle) and abs(moved) > 4, (name, angle, moved)


def test_render_returns_image_and_exact_landmarks():
    image, landmarks = synth.render(synth.face_mesh(aus={12: 1.0}), size=96)
    assert image.shape == (96, 96, 3) and image.dtype == np.uint8
    assert landmarks.shape == (478, 3)
    x, y = landmarks[1, :2].astype(int)
    assert 0 < x < 96 and 0 < y < 96
    grey, same = synth.render(synth.face_mesh(aus={12: 1.0}), size=96, color=False)
    assert grey.shape == (96, 96) and np.allclose(same, landmarks)
    # the eyes are darker than the cheeks below them: something face-like was drawn
    eye = int(landmarks[468, 1]), int(landmarks[468, 0])
    assert image[eye].mean() < image[int(landmarks[50, 1]), int(landmarks[50, 0])].mean()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"aus": {99: 1.0}}, "Unknown action unit 99"),
        ({"aus": {12: 1.5}}, "must lie in \\[0, 1\\]"),
    ],
)
def test_face_mesh_refuses_bad_action_units(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        synth.face_mesh(**kwargs)


def test_render_refuses_bad_meshes_and_sizes():
    with pytest.raises(InvalidInputError, match="shape \\(478, 3\\)"):
        synth.render(np.zeros((468, 3)))
    with pytest.raises(InvalidInputError, match="at least 16 pixels"):
        synth.render(synth.face_mesh(), size=8)


def test_faces_are_a_balanced_labelled_dataset(small):
    assert isinstance(small, Dataset) and small.kind == "image"
    assert small.samples.shape == (70, 48, 48) and small.samples.dtype == np.uint8
    assert small.table["label"].value_counts().to_dict() == {label: 10 for label in FER2013_LABELS}
    assert small.extras["landmarks"].shape == (70, 478, 3)
    assert set(small.table["split"]) == {"train", "val", "test"}
    assert {"AU12", "AU26", "yaw", "variant", "subject"} <= set(small.table.columns)


def test_labels_and_au_columns_agree(small):
    happy = small.table[small.table["label"] == "happy"]
    neutral = small.table[small.table["label"] == "neutral"]
    assert (happy["AU12"] > 0.5).all()
    au_columns = [c for c in small.table.columns if c.startswith("AU")]
    assert (neutral[au_columns] == 0).all().all()


def test_splits_never_share_a_subject(small):
    sides = small.table.groupby("subject")["split"].nunique()
    assert (sides == 1).all()


def test_faces_are_deterministic_from_the_seed():
    a = synth.faces(14, size=32, seed=5, split=None)
    b = synth.faces(14, size=32, seed=5, split=None)
    c = synth.faces(14, size=32, seed=6, split=None)
    assert np.array_equal(a.samples, b.samples) and a.table.equals(b.table)
    assert not np.array_equal(a.samples, c.samples)


def test_landmarks_are_where_the_face_is_drawn(small):
    # the nose tip of every image lies inside the frame, near the centre
    tips = small.extras["landmarks"][:, 1, :2]
    assert np.all((tips > 8) & (tips < 40))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 0}, "positive number"),
        ({"labels": ("happy", "bored")}, "No expression \\['bored'\\]"),
        ({"intensity": (0.9, 0.2)}, "intensity must be"),
        ({"framing": "wide"}, "framing must be"),
    ],
)
def test_faces_refuses_bad_arguments(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        synth.faces(**{"n": 7, **kwargs})


def test_every_expression_has_a_pattern_the_generator_can_draw():
    rng = np.random.default_rng(0)
    for emotion in PROTOTYPES:
        aus, variant = synth.expression_aus(emotion, rng)
        synth.face_mesh(aus=aus)  # every code is known to the generator
        assert variant


@pytest.fixture(scope="module")
def micro():
    return synth.clips(6, fps=30, seconds=1.5, size=32, seed=2, kind="micro", blink_rate=0.0, split=None)


def test_micro_clips_have_their_event_inside_and_short(micro):
    table = micro.table
    assert micro.kind == "video" and len(micro) == 6
    assert (table["onset"] <= table["apex"]).all() and (table["apex"] <= table["offset"]).all()
    assert ((table["offset"] - table["onset"]) / table["fps"] <= 0.5 + 2 / 30).all()
    assert (table["onset"] > 0).all() and (table["offset"] < table["n_frames"] - 1).all()
    assert (table["intensity"] <= 0.5).all()
    assert micro.sample(0).shape == (45, 32, 32)


def test_clip_motion_peaks_at_the_apex(micro):
    aus = micro.extras["aus"]
    for i, row in micro.table.iterrows():
        strength = aus[i].sum(axis=1)
        assert strength[row["apex"]] == pytest.approx(strength.max())
        assert strength[0] == 0 and strength[-1] == 0  # neutral before and after
        motion = np.abs(np.diff(micro.extras["landmarks"][i, :, :, :2], axis=0)).mean(axis=(1, 2))
        assert motion[row["onset"] : row["offset"]].max() > motion[: max(row["onset"] - 1, 1)].max()


def test_blinks_close_the_eyes_and_are_counted():
    data = synth.clips(2, fps=30, seconds=4.0, size=32, seed=1, kind="macro", blink_rate=1.0, head_motion=0.0, split=None)
    for i, row in data.table.iterrows():
        closure = data.extras["eye_closure"][i]
        assert row["blinks"] >= 1
        closed = closure > 0.5
        starts = np.flatnonzero(closed[1:] & ~closed[:-1]) + 1
        assert len(starts) + int(closed[0]) == row["blinks"]


def test_envelope_shape():
    curve = synth.envelope(31, 10.0, onset=1.0, apex=1.5, offset=2.5)
    assert curve[:10].max() == 0 and curve[15] == pytest.approx(1.0) and curve[25:].max() == 0
    assert np.all(np.diff(curve[10:16]) >= 0) and np.all(np.diff(curve[15:26]) <= 0)


def test_macro_clips_longer_than_the_clip_are_capped():
    data = synth.clips(4, fps=30, seconds=1.2, size=24, seed=0, kind="macro", split=None)
    assert (data.table["onset"] >= 5).all() and (data.table["offset"] <= 36).all()


def test_clips_refuse_impossible_timing():
    with pytest.raises(InvalidInputError, match="too short"):
        synth.clips(1, fps=30, seconds=0.3, kind="macro")
    with pytest.raises(InvalidInputError, match="kind must be"):
        synth.clips(1, kind="giant")


def test_au_sliders_render_the_chosen_action_units(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gca().get_title()))
    panel = synth.au_sliders(aus=(12, 26))
    assert [child.description for child in panel.children[:2]] == ["AU12", "AU26"]
    panel.children[0].value = 0.5
    assert shown[-1] == "AU12 0.50"
    plt.close("all")
    with pytest.raises(InvalidInputError, match="unknown AU"):
        synth.au_sliders(aus=(12, 99))


def test_the_generators_live_in_synth_only():
    from fercourse import features, graph, viz

    for module, names in ((graph, ["synthetic_meshes"]), (features, ["eye_state_faces", "EYE_LEVELS"]),
                          (viz, ["expression_faces", "GRID_INTENSITIES"])):
        assert not set(names) & set(module.__all__), (module.__name__, names)


def test_the_package_keeps_its_names_and_leaves_mesh_conventions_to_fercourse_mesh():
    assert all(hasattr(synth, name) for name in synth.__all__)
    assert not {"triangles", "RIGHT_EYE_RING", "LEFT_EYE_RING", "N_LANDMARKS"} & set(vars(synth))


def test_a_worker_process_renders_without_importing_mediapipe():
    import pickle
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    job = dict(seed=0, emotions=["happy"], people=[(synth.random_identity(rng), synth.random_appearance(rng))],
               size=32, color=False, intensity=(1.0, 1.0), max_pose=(0.0, 0.0, 0.0), occlusion_rate=0.0,
               framing="tight", triangles=triangles())
    code = ("import pickle, sys; from fercourse.synth import datasets; "
            "images = datasets._face_chunk(pickle.loads(sys.stdin.buffer.read()))[0]; "
            "print(images.shape, 'mediapipe' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(job), capture_output=True, check=True)
    assert out.stdout.decode().split() == ["(1,", "32,", "32)", "False"]


# ------------------------------------------------------------------ action-unit faces

AU_POOL = (1, 5, 12, 25, 26, 45)


@pytest.fixture(scope="module")
def au_set():
    return synth.au_faces(24, size=48, seed=2, n_subjects=3, aus=AU_POOL, p_active=0.5)


def test_au_faces_are_neutral_or_action_faces(au_set):
    table = au_set.table
    assert au_set.labels == ("neutral", "action") and au_set.samples.shape == (24, 48, 48, 3)
    assert au_set.extras["landmarks"].shape == (24, 478, 3)
    assert set(table["label"]) == {"neutral", "action"}
    assert (table["variant"] == table["label"].map({"neutral": "neutral", "action": "independent"})).all()
    au_columns = list(synth.AU_COLUMNS)
    neutral = table["label"] == "neutral"
    assert (table.loc[neutral, au_columns] == 0).all().all()
    assert (table.loc[~neutral, au_columns] > 0).any(axis=1).all()  # an action face shows at least one AU
    assert table.groupby("subject")["label"].first().eq("neutral").all()  # each person starts at rest
    assert (table.groupby("subject")["split"].nunique() == 1).all()


def test_au_faces_draw_from_the_pool_with_the_anatomical_rules(au_set):
    table = au_set.table
    outside = [c for c in synth.AU_COLUMNS if int(c[2:]) not in AU_POOL]
    assert (table[outside] == 0).all().all()
    jaw, blink = table["AU26"] > 0, table["AU45"] > 0
    assert jaw.any() and blink.any()  # the rules below are put to the test
    assert (table.loc[jaw, "AU25"] >= 0.4).all()  # a dropped jaw parts the lips (25 from level B on)
    assert (table.loc[blink, "AU05"] == 0).all()  # closed eyes have no upper lid to raise
    active = table[["AU01", "AU12", "AU45"]].to_numpy()
    assert active[active > 0].min() >= 0.2 and active.max() <= 1.0


def test_au_faces_are_the_same_for_any_number_of_workers():
    one = synth.au_faces(12, size=32, seed=3, split=None, workers=1)
    two = synth.au_faces(12, size=32, seed=3, split=None, workers=2)
    assert np.array_equal(one.samples, two.samples) and one.table.equals(two.table)
    assert np.array_equal(one.extras["landmarks"], two.extras["landmarks"])
    assert set(one.table["split"]) == {"unassigned"}


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "positive number of images"),
    ({"size": 8}, "at least 16 pixels"),
    ({"aus": (3, 12)}, "aus must name AUs the generator renders"),
    ({"aus": ()}, "aus must name AUs"),
    ({"p_active": 0.0}, r"p_active must lie in \(0, 1\]"),
    ({"neutral_share": 1.0}, "neutral_share"),
])
def test_au_faces_refuse_bad_arguments(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        synth.au_faces(**{"n": 4, "size": 32, **kwargs})


def test_independent_aus_rules():
    rng = np.random.default_rng(0)
    for _ in range(50):
        aus = synth.independent_aus(rng, AU_POOL, 0.3)
        assert aus and set(aus) <= set(AU_POOL) and all(0.2 <= v <= 1.0 for v in aus.values())
        if 26 in aus:
            assert aus[25] >= 0.4
        if 45 in aus:
            assert 5 not in aus
    # every AU on: AU5 goes with the closed eyes, AU25 is lifted to 0.4
    everything = synth.independent_aus(rng, (5, 25, 26, 45), 1.0, intensity=(0.1, 0.2))
    assert set(everything) == {25, 26, 45} and everything[25] == 0.4
    # without AU25 in the pool, AU26 does not add it
    assert synth.independent_aus(rng, (26,), 1.0).keys() == {26}
    # almost never on: still exactly one AU
    rare = [synth.independent_aus(rng, (1, 2, 4), 1e-9) for _ in range(20)]
    assert all(len(aus) == 1 for aus in rare) and {au for aus in rare for au in aus} == {1, 2, 4}
    a = synth.independent_aus(np.random.default_rng(7), AU_POOL, 0.5)
    assert a == synth.independent_aus(np.random.default_rng(7), AU_POOL, 0.5)  # the generator decides


def _teeth_in_mouth(aus, teeth):
    """The share of the open mouth's pixels bright enough to be teeth."""
    import cv2

    from fercourse.synth.canonical import INNER_LIPS

    look = synth.Appearance(face_fraction=0.8, noise=0.0, teeth=teeth)
    image, landmarks = synth.render(synth.face_mesh(aus=aus), size=192, look=look, color=False, aus=aus)
    mask = np.zeros(image.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(landmarks[list(INNER_LIPS), :2]).astype(np.int32)], 1)
    assert mask.sum() > 50  # the mouth is open wide enough to measure
    return float(np.mean(image[mask > 0] > 150))


def test_bared_teeth_show_only_where_the_lips_uncover_them():
    dropped = {26: 1.0}  # jaw drop: the lips part but are not pulled off the teeth
    always, bared = _teeth_in_mouth(dropped, "always"), _teeth_in_mouth(dropped, "bared")
    assert always > 0.04 and bared < 0.005, (always, bared)  # a dark mouth instead of a band of teeth
    snarl = {10: 1.0, 26: 1.0}  # the upper lip raised: now the upper teeth show
    assert _teeth_in_mouth(snarl, "bared") > 0.015
    with pytest.raises(InvalidInputError, match="teeth"):
        synth.render(synth.face_mesh(aus=dropped), size=64, look=synth.Appearance(teeth="shiny"), aus=dropped)
