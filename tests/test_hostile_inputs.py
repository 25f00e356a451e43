"""Inputs that used to give a silently wrong answer: each now gives the right one or a clear FERCourseError.

Every test checks the specific error class and that the message names the argument
(or file) and says what to give instead.
"""

import io
import os
import zipfile

import cv2
import numpy as np
import pytest
import torch
from fixtures_data import (
    make_casme2,
    make_ferplus,
    make_samm,
    make_smic,
    make_video_folders,
    write_clip,
    write_fer2013_csv,
    write_xlsx,
)
from PIL import Image, ImageOps

from fercourse import adversarial, augment, cnn, data, face, features, live, temporal, train, viz
from fercourse.data import importer
from fercourse.errors import DatasetError, InvalidInputError

# ------------------------------------------------------------------ loaders and files


def test_a_dotdot_in_the_coding_sheet_cannot_read_frames_elsewhere(tmp_path):
    root = make_casme2(tmp_path / "casme2")
    write_clip(tmp_path / "outside", ["img1.jpg", "img2.jpg"])  # frames a crafted sheet points at
    write_xlsx(root / "CASME2-coding-20140508.xlsx", [
        ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units", "Estimated Emotion"],
        [1, "../../../outside", 1, 1, 2, "12", "happiness"],
    ])
    with pytest.raises(DatasetError, match=r"row 2, column Filename \('\.\./\.\./\.\./outside'\) leads outside the "
                                           r"dataset folder .*Fix the entry \(a plain folder or file name\)"):
        data.load_casme2(root)
    samm = make_samm(tmp_path / "samm")
    write_xlsx(samm / "SAMM_Micro_FACS_Codes_v2.xlsx", [
        ["Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame", "Action Units", "Estimated Emotion"],
        ["006", str(tmp_path / "outside"), 1, 1, 2, "12", "Happiness"],
    ])
    with pytest.raises(DatasetError, match=r"column Filename .* leads outside the dataset folder"):
        data.load_samm(samm)


def test_exif_orientation_is_applied_as_photo_viewers_do(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (3, 5, 3), dtype=np.uint8)  # not square, not symmetric: every turn shows
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / f"o{orientation}.png"
        Image.fromarray(pixels).save(path, exif=exif.tobytes())
        expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
        assert np.array_equal(face.load_image(path), expected), orientation


def test_a_sideways_phone_photo_comes_out_upright(tmp_path):
    from skimage.data import astronaut

    upright = astronaut()
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn me a quarter clockwise to show me": how a phone held sideways stores its photo
    Image.fromarray(np.rot90(upright, 1)).save(tmp_path / "phone.jpg", quality=95, exif=exif.tobytes())
    Image.fromarray(upright).save(tmp_path / "plain.jpg", quality=95)
    loaded = face.load_image(tmp_path / "phone.jpg")
    assert loaded.shape == upright.shape
    assert np.abs(loaded.astype(int) - upright).mean() < 3
    plain = face.load_image(tmp_path / "plain.jpg")  # no tag: nothing turns
    assert np.array_equal(plain, cv2.cvtColor(cv2.imread(str(tmp_path / "plain.jpg")), cv2.COLOR_BGR2RGB))


def bomb_jpeg(width: int, height: int) -> bytes:
    """A few hundred bytes of JPEG whose header claims ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


@pytest.mark.parametrize("side, shown", [(16000, "256 megapixels"), (12000, r"12000 x 12000 pixels \(144 megapixels\)")])
def test_a_decompression_bomb_is_refused_before_decoding(tmp_path, side, shown):
    bomb = bomb_jpeg(side, side)
    assert len(bomb) < 1000
    (tmp_path / "bomb.jpg").write_bytes(bomb)
    with pytest.raises(InvalidInputError, match=rf"bomb\.jpg declares {shown}, more than the 134 megapixels the course "
                                                r"decodes \(fercourse\.face\.MAX_IMAGE_PIXELS\).*Use a smaller image"):
        face.load_image(tmp_path / "bomb.jpg")
    with pytest.raises(InvalidInputError, match=rf"frame declares {shown}"):
        face.decode_frame(bomb)


def test_the_pixel_limit_is_a_setting(tmp_path, monkeypatch):
    cv2.imwrite(str(tmp_path / "small.png"), np.zeros((20, 20), np.uint8))
    monkeypatch.setattr(face, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(InvalidInputError, match=r"small\.png declares 20 x 20 pixels"):
        face.load_image(tmp_path / "small.png")


def test_a_16_bit_png_is_read_and_scaled(tmp_path):
    levels = np.array([[0, 257, 257 * 128], [257 * 200, 65535, 1000]], np.uint16)
    cv2.imwrite(str(tmp_path / "deep.png"), levels)
    image = face.load_image(tmp_path / "deep.png")
    assert image.dtype == np.uint8 and image.shape == (2, 3, 3)
    assert image[..., 0].tolist() == [[0, 1, 128], [200, 255, 4]]
    colour = np.zeros((2, 2, 3), np.uint16)
    colour[..., 2] = 65535  # red, in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / "red.png"), colour)
    assert face.load_image(tmp_path / "red.png")[0, 0].tolist() == [255, 0, 0]


def test_a_folder_is_not_reported_as_missing(tmp_path):
    with pytest.raises(InvalidInputError, match=r"Image file .* is a folder, not a file; give the path of one file "
                                                r"\(PNG, JPEG, BMP or TIFF\)"):
        face.load_image(tmp_path)
    with pytest.raises(InvalidInputError, match=r"extract_frames: the video .* is a folder, not a file"):
        temporal.extract_frames(tmp_path, n=2)
    with pytest.raises(InvalidInputError, match=r"The source file .* is a folder, not a file"):
        live.open_source(tmp_path)


def test_fer2013_csv_that_is_not_utf8_names_the_line(tmp_path):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    text = csv.read_bytes().split(b"\n")
    text[2] = text[2].replace(b"20 20", b"20 \xff\xfe", 1)
    csv.write_bytes(b"\n".join(text))
    with pytest.raises(DatasetError, match=r"fer2013\.csv, line 3: bytes that are not UTF-8 text .*Download "
                                           r"fer2013\.csv again"):
        data.load_fer2013_csv(csv)
    with pytest.raises(DatasetError, match=r"line 3: bytes that are not UTF-8"):
        importer.import_dataset("fer2013", csv, into=tmp_path / "placed", partial=True)


def test_fer2013_csv_with_an_oversized_field_names_the_line(tmp_path):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    csv.write_text(csv.read_text() + '3,"' + "1 " * 100_000 + '",Training\n')
    with pytest.raises(DatasetError, match=r"fer2013\.csv, line 5: field larger than field limit .*the file is "
                                           r"damaged or not a CSV\. Download fer2013\.csv again"):
        data.load_fer2013_csv(csv)


def test_ferplus_csv_that_is_not_utf8_or_not_a_csv_names_the_line(tmp_path):
    root = make_ferplus(tmp_path / "ferplus")
    labels = root / "fer2013new.csv"
    lines = labels.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",0,", b",\xff,", 1)
    labels.write_bytes(b"\n".join(lines))
    with pytest.raises(DatasetError, match=r"fer2013new\.csv, line 4: bytes that are not UTF-8 text .*Download "
                                           r"fer2013new\.csv again from Microsoft's FERPlus repository"):
        data.load_ferplus(root)
    make_ferplus(root)
    labels.write_text(labels.read_text() + 'Training,"' + "x" * 200_000 + '",0,0,0,0,0,0,0,0,0,10\n')
    with pytest.raises(DatasetError, match=r"fer2013new\.csv, line 11: field larger than field limit .*the file is "
                                           r"damaged or not a CSV"):
        data.load_ferplus(root)


@pytest.mark.parametrize("vote", ["\uff16", "\u00b3", "6\u200b", " 6e0", "0x6", "+6", "True"])
def test_ferplus_votes_that_only_look_like_numbers_are_refused(tmp_path, vote):
    root = make_ferplus(tmp_path / "ferplus")
    labels = root / "fer2013new.csv"
    lines = labels.read_text().splitlines()
    fields = lines[2].split(",")
    fields[2] = vote  # str.isdigit() takes a full-width 6 and a superscript 3: the loader must not
    lines[2] = ",".join(fields)
    labels.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"fer2013new\.csv, line 3, column neutral: the vote count .* is not a whole "
                                           r"number"):
        data.load_ferplus(root)


def test_a_smic_frame_that_declares_a_huge_image_is_refused_before_decoding(tmp_path):
    root = make_smic(tmp_path / "smic")
    clip = root / "HS" / "s1" / "micro" / "positive" / "s1_po_01"
    (clip / "image000002.bmp").write_bytes(bomb_jpeg(16000, 16000))  # a JPEG in a .bmp name, as a crafted file
    ds = data.load_smic(root)
    with pytest.raises(DatasetError, match=r"image000002\.bmp declares 256 megapixels.*Copy or download the clip "
                                           r"again"):
        ds.sample(1)


def test_baum_subjects_csv_with_an_empty_or_repeated_entry(tmp_path):
    root = make_video_folders(tmp_path / "baum")
    (root / "subjects.csv").write_text("filename,subject\nS01_take1.avi,p7\nS02-take1.mp4,\nS01_take2.avi,p7\n")
    with pytest.raises(DatasetError, match=r"subjects\.csv, line 3: the subject cell is empty; .*fill it in or remove "
                                           r"the line"):
        data.load_video_folders(root)
    (root / "subjects.csv").write_text(
        "filename,subject\nS01_take1.avi,p7\nS02-take1.mp4,p8\nS01_take2.avi,p7\nS01_take1.avi,p9\n")
    with pytest.raises(DatasetError, match=r"subjects\.csv, lines 2 and 5: S01_take1\.avi is listed twice; keep one "
                                           r"line per video"):
        data.load_video_folders(root)
    (root / "subjects.csv").write_text("filename,subject\nS01_take1.avi,NA\nS02-take1.mp4,p8\nS01_take2.avi,NA\n")
    assert sorted(data.load_video_folders(root).table["subject"]) == ["NA", "NA", "p8"]  # an id, not a missing value


# ----------------------------------------------------------- silent wrong results


@pytest.fixture(scope="module")
def pretrained():
    return cnn.PretrainedFER()


@pytest.mark.parametrize("channels", [2, 5, 6])
def test_a_face_with_a_wrong_channel_count_is_not_read_as_a_batch(pretrained, channels):
    face_crop = np.zeros((48, 48, channels), np.uint8)
    with pytest.raises(InvalidInputError, match=rf"faces has shape \(48, 48, {channels}\): one face with {channels} "
                                                r"channels, .*convert the face to grey or RGB first"):
        pretrained.predict_proba(face_crop)
    with pytest.raises(InvalidInputError, match=rf"one face with {channels} channels"):
        cnn.TorchFER(cnn.build("simple")).predict_proba(face_crop)


def test_pretrained_model_runs_in_batches(pretrained, monkeypatch):
    faces = np.random.default_rng(0).integers(0, 256, (10, 48, 48), dtype=np.uint8)
    whole = pretrained.predict_proba(faces)
    sizes = []
    forward = pretrained._forward
    monkeypatch.setattr(pretrained, "_forward", lambda batch: sizes.append(len(batch)) or forward(batch))
    monkeypatch.setattr(pretrained, "batch_size", 4)
    # The same answers, computed 4 faces at a time (TensorFlow's kernels may round the last bit differently
    # for another batch size; the default of 256 keeps every call of up to 256 faces exactly as before).
    assert np.allclose(pretrained.predict_proba(faces), whole, rtol=0, atol=1e-6)
    assert sizes == [4, 4, 2]
    with pytest.raises(InvalidInputError, match="batch_size must be an integer of at least 1"):
        cnn.PretrainedFER(batch_size=0)


def tiny_set(n=16):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 32, 32)).astype(np.uint8), np.arange(n) % 2


def test_fit_refuses_float_images_in_0_255_and_nan(tmp_path):
    x, y = tiny_set()
    net = cnn.build("simple", n_classes=2, input_size=32, width=4)
    with pytest.raises(InvalidInputError, match=r"images holds floats from 0 to 255, but float images must lie in "
                                                r"\[0, 1\]: divide by 255"):
        train.fit(net, (x.astype(np.float32), y), (x, y), epochs=1, progress=False)
    poisoned = x / 255.0
    poisoned[0, 0, 0] = np.nan
    with pytest.raises(InvalidInputError, match=r"images contains 1 NaN or infinite value\(s\).*find where they come from"):
        train.fit(net, (poisoned, y), (x, y), epochs=1, progress=False, checkpoint=tmp_path / "best.pt")
    assert train.as_tensor(x.astype(np.int64)).max() <= 1.0  # integer grey levels count as grey levels


class _NaNNet(torch.nn.Module):
    """A model whose outputs are NaN: its validation loss is never a number."""

    n_classes = 2

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(32 * 32, 2)

    def forward(self, x):
        return self.linear(x.flatten(1)) * float("nan")


def test_a_diverged_fit_says_so_instead_of_missing_checkpoint(tmp_path):
    x, y = tiny_set()
    with pytest.raises(InvalidInputError, match=r"fit: the validation loss was never a finite number .*the training "
                                                r"diverged\. Lower the learning rate \(lr=0\.002\)"):
        train.fit(_NaNNet(), (x, y), (x, y), epochs=2, augment=False, progress=False, checkpoint=tmp_path / "best.pt")


@pytest.mark.parametrize("bad, message", [
    (np.full((2, 48, 48), 200.0), r"X holds floats from 200 to 200, but float images must lie in \[0, 1\]: divide by 255"),
    (np.full((2, 48, 48), -0.5), r"X holds floats from -0\.5 to -0\.5, .*rescale them to \[0, 1\]"),
    (np.where(np.eye(48, dtype=bool)[None], np.nan, 0.5).repeat(2, axis=0), r"X contains 96 NaN or infinite value"),
])
@pytest.mark.parametrize("extractor", [features.HOGFeatures(), features.SlidingHOG(), features.FlatPixels()])
def test_classical_features_refuse_images_they_would_misread(extractor, bad, message):
    with pytest.raises(InvalidInputError, match=message):
        extractor.fit_transform(bad)


def test_clip_tensor_and_lbp_top_refuse_what_they_would_misread():
    clips = np.full((1, 4, 8, 8), 200.0, np.float32)
    with pytest.raises(InvalidInputError, match=r"clips holds floats from 200 to 200, .*divide by 255"):
        temporal.clip_tensor(clips)
    clips[0, 0, 0, 0] = np.nan
    with pytest.raises(InvalidInputError, match=r"clips contains 1 NaN"):
        temporal.clip_tensor(torch.from_numpy(clips / 255))
    clip = np.full((6, 8, 8), 100.0)
    clip[2, 3, 3] = np.nan
    with pytest.raises(InvalidInputError, match=r"lbp_top: clip contains 1 NaN or infinite grey levels .*every one "
                                                r"must be a finite number"):
        temporal.lbp_top(clip)
    with pytest.raises(InvalidInputError, match=r"lbp_top: clip holds values from -5 to 100; LBP-TOP compares grey "
                                                r"levels 0\.\.255: pass a uint8 clip"):
        temporal.lbp_top(np.where(np.isnan(clip), -5.0, clip))


def test_hybrid_features_refuse_missing_landmarks():
    images = np.zeros((2, 48, 48), np.uint8)
    points = np.random.default_rng(0).random((2, 478, 2)) * 48
    points[1, 10] = np.nan  # a face the landmarker did not find
    with pytest.raises(InvalidInputError, match=r"hybrid_features: landmarks contains 2 NaN or infinite coordinates "
                                                r".*drop the samples where they are missing"):
        cnn.hybrid_features(images, points)


def test_brightness_contrast_does_not_clip_a_0_255_float_image_to_1():
    image = np.full((8, 8), 128.0, np.float32)
    with pytest.raises(InvalidInputError, match=r"image holds floats from 128 to 128, but float images must lie in "
                                                r"\[0, 1\]: divide by 255"):
        augment.BrightnessContrast()(image, rng=0)
    out, _ = augment.BrightnessContrast()(image / 255, rng=0)
    assert 0.3 < out.mean() < 0.7


def test_show_image_refuses_grey_floats_it_would_draw_white():
    import matplotlib.pyplot as plt

    with pytest.raises(InvalidInputError, match=r"image holds floats from 0 to 200, .*divide by 255"):
        viz.show_image(np.linspace(0, 200, 64).reshape(8, 8))
    ax = viz.show_image(np.linspace(0, 200, 64).reshape(8, 8).astype(np.int64))  # integer grey levels: 0..255 scale
    assert ax.images[0].get_clim() == (0, 255)
    plt.close("all")


# --------------------------------------------------------- parameters that were ignored


@pytest.mark.parametrize("options, message", [
    ({"alpha": np.nan}, r"magnify: alpha \(the magnification factor\) must be a number of at least 0, got nan"),
    ({"alpha": -1.0}, r"alpha \(the magnification factor\) must be a number of at least 0"),
    ({"fps": np.nan}, r"magnify: fps \(the clip's frame rate\) must be a positive number, got nan"),
    ({"fps": 8.0}, r"band starts at 5 Hz, at or above 4 Hz, .*lower the band or give the clip's real fps"),
])
def test_magnify_parameters(options, message):
    clip = np.random.default_rng(0).integers(0, 256, (8, 16, 16), dtype=np.uint8)
    with pytest.raises(InvalidInputError, match=message):
        temporal.magnify(clip, **{"fps": 30.0, "band": (5.0, 6.0), **options})


def test_spot_motion_signal_and_blinks_refuse_nan_and_empty_inputs():
    signal = np.sin(np.linspace(0, 6, 60)) ** 2
    with pytest.raises(InvalidInputError, match=r"spot: p \(None, or a fraction between the mean and the peak\) must "
                                                r"be a number in \[0, 1\], got nan"):
        temporal.spot(signal, p=np.nan)
    with pytest.raises(InvalidInputError, match=r"motion_signal: in landmarks the eye centres .* coincide.*pass "
                                                r"each frame's 478 mesh points"):
        temporal.motion_signal(np.zeros((30, 478, 2)), k=3)
    with pytest.raises(InvalidInputError, match=r"detect_blinks: baseline \(the open-eye EAR\) must be a positive "
                                                r"number, got nan"):
        features.detect_blinks(np.full(20, 0.3), baseline=np.nan)
    with pytest.raises(InvalidInputError, match=r"augmented_copies: noise .* must be a non-negative number, got nan"):
        features.augmented_copies(np.zeros((2, 8, 8), np.uint8), noise=np.nan)


def test_grad_cam_targets_must_be_classes(pretrained):
    net = cnn.build("simple")
    faces = np.zeros((2, 48, 48), np.uint8)
    for target in (-1, 7, 2.5):
        with pytest.raises(InvalidInputError, match=r"grad_cam: target .*0 to 6"):
            cnn.grad_cam(net, faces, target=target)
    with pytest.raises(InvalidInputError, match=r"target classes must be in \[0, 7\) \(0 to 6\), got -1; negative "
                                                r"indices do not count from the end"):
        pretrained.grad_cam(faces, target=-1)


def test_run_attack_refuses_steps_that_would_run_nothing():
    target = adversarial.wrap_torch(cnn.build("simple"))
    faces, labels = np.zeros((2, 48, 48), np.uint8), [0, 1]
    with pytest.raises(InvalidInputError, match=r"pgd_linf: the option steps must be an integer of at least 1, got -1"):
        adversarial.run_attack(target, faces, labels, "pgd_linf", steps=-1)
    with pytest.raises(InvalidInputError, match=r"fgsm|epsilons must be a non-empty list of finite budgets"):
        adversarial.run_attack(target, faces, labels, "fgsm", epsilons=[np.nan])
    with pytest.raises(InvalidInputError, match=r"cw: the option stepsize must be a number above 0"):
        adversarial.make_attack("cw", stepsize=0)


# ---------------------------------------------------------------------- live pipeline


@pytest.fixture(scope="module")
def frame():
    from skimage.data import astronaut

    return live.fit_frame(astronaut(), live.FRAME_SIZE)


@pytest.mark.parametrize("bad", [1e300, 2e19, float("nan"), -1.0])
def test_a_rejected_timestamp_does_not_poison_the_pipeline(frame, bad):
    with live.Pipeline(classifier=False) as pipe:
        pipe(frame, timestamp_ms=0)
        with pytest.raises(InvalidInputError, match=r"timestamp_ms must grow from frame to frame .*stay within "
                                                    r"0\.\.1e\+15 ms, got .*call pipe\.reset\(\)"):
            pipe(frame, timestamp_ms=bad)
        assert pipe(frame, timestamp_ms=100).index == 1  # the next good frame goes through
        assert pipe(frame).timestamp_ms > 100  # and automatic timestamps still advance


def test_closed_landmarker_and_pipeline_say_so(frame):
    landmarker = face.FaceLandmarker(mode="video")
    landmarker.close()
    with pytest.raises(InvalidInputError, match=r"This FaceLandmarker is closed .*create a new FaceLandmarker"):
        landmarker.detect(frame, timestamp_ms=0)
    with face.FaceLandmarker(mode="video") as video:
        with pytest.raises(InvalidInputError, match=r"at most 1e\+15"):
            video.detect(frame, timestamp_ms=10**16)
        assert len(video.detect(frame, timestamp_ms=0)) == 1  # the refused time did not count as the previous one
    detector = face.FaceDetector("haar")
    detector.close()
    with pytest.raises(InvalidInputError, match=r"This FaceDetector is closed"):
        detector.detect(frame)
    pipe = live.Pipeline(classifier=False)
    pipe.close()
    with pytest.raises(InvalidInputError, match=r"This Pipeline is closed .*call reset\(\) to open its detector again"):
        pipe(frame)
    pipe.reset()
    assert pipe(frame).index == 0
    pipe.close()


# ------------------------------------------------------------------------ checkpoints


def test_a_checkpoint_with_one_flipped_byte_is_refused(tmp_path):
    net = cnn.build("simple", n_classes=2, input_size=32, width=4)
    path = train.save_checkpoint(net, tmp_path / "model.pt")
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:  # the largest tensor's bytes, after its local header
        info = max((i for i in archive.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
    names, extra = (int.from_bytes(raw[info.header_offset + k : info.header_offset + k + 2], "little") for k in (26, 28))
    start = info.header_offset + 30 + names + extra
    raw[start + info.file_size // 2] ^= 0x40
    path.write_bytes(bytes(raw))
    changed = torch.load(path, weights_only=True)  # PyTorch alone takes it: one weight silently different
    assert not all(torch.equal(a, b) for a, b in zip(changed.values(), net.state_dict().values()))
    with pytest.raises(InvalidInputError, match=r"model\.pt is damaged: the checksum of its part '.*/data/\d+' does not "
                                                r"match.*Copy it again or train the model again"):
        train.load_checkpoint(cnn.build("simple", n_classes=2, input_size=32, width=4), path)


class _Payload:
    """Unpickling this would create a file: the harmless stand-in for code a crafted checkpoint runs."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_malicious_or_garbage_checkpoint_is_not_a_course_checkpoint(tmp_path):
    marker = tmp_path / "payload-ran"
    torch.save({"weight": _Payload(marker)}, tmp_path / "evil.pt")
    net = cnn.build("simple", n_classes=2, input_size=32, width=4)
    with pytest.raises(InvalidInputError, match=r"evil\.pt is not a course checkpoint: it holds objects other than "
                                                r"tensors\. Do not load it with weights_only=False") as caught:
        train.load_checkpoint(net, tmp_path / "evil.pt")
    assert not marker.exists() and "you can use weights_only=False" not in str(caught.value)
    (tmp_path / "garbage.pt").write_bytes(os.urandom(2000))
    with pytest.raises(InvalidInputError, match=r"garbage\.pt is not a course checkpoint \(BadZipFile"):
        train.load_checkpoint(net, tmp_path / "garbage.pt")
