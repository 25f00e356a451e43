"""`python -m fercourse data import`: checks before placing, never overwrites, refuses escaping archives."""

import hashlib
import os
import subprocess
import sys
import zipfile

import pytest
from fixtures_data import (
    fer2013_rows,
    make_bp4d,
    make_casme2,
    make_disfa,
    make_ckplus,
    make_fer2013_competition,
    make_fer2013_kaggle_folders,
    make_fer2013_tar_gz,
    make_ferplus,
    make_jaffe,
    make_smic,
    make_video_folders,
    tar_folder,
    tar_with_link,
    truncate,
    write_fer2013_csv,
    zip_folder,
)

from fercourse.data import importer
from fercourse.errors import DatasetError


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty data folder for the import to fill (FERCOURSE_DATA_DIR points at it)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(folder))
    return folder


def leftovers(folder):
    """Temporary import folders left behind (there must be none)."""
    return [p.name for p in folder.glob(".*-import-*")] if folder.exists() else []


def test_fer2013_csv_is_checked_placed_and_summarised(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "download" / "fer2013.csv")
    report = importer.import_dataset("fer2013", csv, partial=True)
    placed = data_dir / "fer2013" / "fer2013.csv"
    assert placed.read_bytes() == csv.read_bytes() and csv.is_file()  # copied, the download stays
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert report.sha256 == {"fer2013.csv": digest}
    assert report.label_counts == {"angry": 1, "happy": 1, "neutral": 1}
    text = str(report)
    assert f"fer2013: 3 images checked and placed in {data_dir / 'fer2013'}" in text
    assert f"SHA-256 of fer2013.csv: {digest} (no published checksum" in text
    assert "subjects: none recorded by the dataset" in text
    assert "  per split: train 1 (official), val 1 (official), test 1 (official)" in text
    assert "  about: FER2013 (fer2013.csv): 3 faces, official split: 1 train (Training)" in text
    assert "WARNING" not in text
    assert leftovers(data_dir) == []


def test_fer2013_with_the_wrong_row_count_is_refused_unless_partial(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    with pytest.raises(DatasetError, match=r"fer2013\.csv has 3 rows; the published file has 35,887.*--partial"):
        importer.import_dataset("fer2013", csv)
    assert not (data_dir / "fer2013").exists() and leftovers(data_dir) == []


def test_a_recorded_checksum_is_enforced(tmp_path, data_dir, monkeypatch):
    known = importer.KnownFile("fer2013", "fer2013.csv", sha256="0" * 64)
    monkeypatch.setattr(importer.steps, "KNOWN_FILES", [known])
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    with pytest.raises(DatasetError, match=r"fer2013\.csv does not match the published file: SHA-256 [0-9a-f]{64} "
                                           r"instead of 0{64}"):
        importer.import_dataset("fer2013", csv)
    assert not (data_dir / "fer2013").exists()


def test_fer2013_header_must_be_the_published_one(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv", header="emotion,pixels,usage")
    with pytest.raises(DatasetError, match=r"line 1: the header is 'emotion,pixels,usage', expected "
                                           r"'emotion,pixels,Usage'"):
        importer.import_dataset("fer2013", csv, partial=True)


def test_zip_with_a_wrapper_folder_and_junk(tmp_path, data_dir):
    source = make_casme2(tmp_path / "CASME2")
    archive = zip_folder(source, tmp_path / "casme2.zip", prefix="CASME2/", extra={"__MACOSX/._x": b"junk"})
    report = importer.import_dataset("casme2", archive)
    assert (data_dir / "casme2" / "CASME2_RAW_selected" / "sub01" / "EP02_01f" / "img46.jpg").is_file()
    assert report.samples == 2 and report.subjects == ["sub01", "sub02"]
    text = str(report)
    assert "left out: __MACOSX/ (outside the dataset folder)" in text
    assert "notes: CASME2_RAW_selected/sub02/EP03_02: offset not given: last frame used" in text
    assert "per label: happiness 1, repression 1" in text
    assert leftovers(data_dir) == []


def test_tar_gz_of_ckplus_and_loader_warnings_in_the_summary(tmp_path, data_dir):
    archive = tar_folder(make_ckplus(tmp_path / "ck"), tmp_path / "ck.tar.gz", prefix="CK+")
    report = importer.import_dataset("ckplus", archive)
    assert (data_dir / "ckplus" / "Emotion" / "S005" / "001").is_dir()
    assert report.label_counts == {"disgust": 1, "neutral": 2, "contempt": 1}
    assert any("no emotion file: cohn-kanade-images/S010/003" in item for item in report.left_out)


def test_folder_import_copies_and_leaves_the_original(tmp_path, data_dir):
    source = make_video_folders(tmp_path / "baum-download")
    before = sorted(p.relative_to(source) for p in source.rglob("*"))
    report = importer.import_dataset("baum", source)
    assert sorted(p.relative_to(source) for p in source.rglob("*")) == before
    assert sorted(p.relative_to(data_dir / "baum") for p in (data_dir / "baum").rglob("*")) == before
    assert report.kind == "video" and report.label_counts == {"happy": 2, "sad": 1}


@pytest.mark.parametrize("evil", ["../evil.txt", "pack/../../evil.txt", "/tmp/evil-absolute.txt"])
def test_zip_member_escaping_the_target_is_refused_before_writing(tmp_path, data_dir, evil):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        write_fer2013_csv(tmp_path / "ok" / "fer2013.csv")
        handle.write(tmp_path / "ok" / "fer2013.csv", "pack/fer2013.csv")
        handle.writestr(zipfile.ZipInfo(evil), b"gotcha")
    with pytest.raises(DatasetError, match=rf"bad\.zip: the member '{evil}' has an absolute path or climbs out "
                                           r"with '\.\.'.*Nothing was extracted"):
        importer.import_dataset("fer2013", archive, partial=True)
    assert not list(tmp_path.rglob("evil*.txt"))
    assert not (data_dir / "fer2013").exists() and leftovers(data_dir) == []


def test_tar_links_are_refused_wherever_they_point(tmp_path, data_dir):
    archive = tar_with_link(tmp_path / "bad.tar", "pack/escape", "../../../etc")
    with pytest.raises(DatasetError, match=r"the member 'pack/escape' is a symbolic link \(to '\.\./\.\./\.\./etc'\)"):
        importer.import_dataset("jaffe", archive)
    inside = tar_with_link(tmp_path / "fine.tar", "pack/alias", "readme.txt")
    with pytest.raises(DatasetError, match=r"'pack/alias' is a symbolic link \(to 'readme\.txt'\)\. Datasets hold only "
                                           r"plain files and folders"):
        importer.import_dataset("jaffe", inside)  # harmless-looking links too: datasets need none
    assert leftovers(data_dir) == [] and not (tmp_path / "pack").exists()


def test_existing_files_are_never_overwritten(tmp_path, data_dir):
    mine = data_dir / "fer2013" / "fer2013.csv"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own edits")
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    with pytest.raises(DatasetError, match=r"fer2013 already exists and is not empty\. The importer never overwrites "
                                           "or deletes your files"):
        importer.import_dataset("fer2013", csv, partial=True)
    assert mine.read_text() == "my own edits" and leftovers(data_dir) == []
    other = importer.import_dataset("fer2013", csv, partial=True, into=tmp_path / "elsewhere")
    assert other.place == tmp_path / "elsewhere" and (tmp_path / "elsewhere" / "fer2013.csv").is_file()


def test_an_empty_destination_folder_is_filled(tmp_path, data_dir):
    (data_dir / "fer2013").mkdir(parents=True)
    importer.import_dataset("fer2013", write_fer2013_csv(tmp_path / "fer2013.csv"), partial=True)
    assert (data_dir / "fer2013" / "fer2013.csv").is_file()


def test_a_dataset_already_in_place_is_only_checked(tmp_path, data_dir):
    csv = write_fer2013_csv(data_dir / "fer2013" / "fer2013.csv")
    report = importer.import_dataset("fer2013", data_dir / "fer2013", partial=True)
    assert not report.moved and "checked in place at" in str(report) and csv.is_file()


def test_invalid_content_is_not_placed(tmp_path, data_dir):
    root = make_casme2(tmp_path / "casme2", emotion="joy")
    with pytest.raises(DatasetError, match="casme2 label 'joy' is unknown"):
        importer.import_dataset("casme2", root)
    assert not (data_dir / "casme2").exists() and leftovers(data_dir) == []


def test_damaged_and_unsupported_archives(tmp_path, data_dir):
    archive = tar_folder(make_ckplus(tmp_path / "ck"), tmp_path / "ck.tar.gz")
    truncate(archive, keep=0.5)
    with pytest.raises(DatasetError, match=r"ck\.tar\.gz is damaged and cannot be extracted.*Download it again"):
        importer.import_dataset("ckplus", archive)
    rar = tmp_path / "CASME2.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x00")
    with pytest.raises(DatasetError, match=r"\.rar archive, which Python cannot unpack"):
        importer.import_dataset("casme2", rar)
    with pytest.raises(DatasetError, match="does not exist"):
        importer.import_dataset("casme2", tmp_path / "nothing.zip")
    assert leftovers(data_dir) == []


def test_command_line_imports_and_reports(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    env = dict(os.environ, FERCOURSE_DATA_DIR=str(data_dir))
    command = [sys.executable, "-m", "fercourse", "data", "import", "fer2013", str(csv), "--partial"]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "per label: angry 1, happy 1, neutral 1" in result.stdout
    assert (data_dir / "fer2013" / "fer2013.csv").is_file()


def test_command_line_error_is_one_clear_line(tmp_path, data_dir, capsys):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    assert importer.main(["data", "import", "fer2013", str(csv)]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]  # the rest is tqdm's bar
    assert len(errors) == 1 and errors[0].startswith("error: fer2013.csv has 3 rows") and "Traceback" not in err
    with pytest.raises(SystemExit):
        importer.main(["data", "import", "affectnet", str(csv)])
    assert "invalid choice: 'affectnet'" in capsys.readouterr().err


# ------------------------------------------------------------- FER2013's three download forms


def no_staging_path(message: str, data_dir) -> None:
    """An error or summary must never name the import's temporary folder: it is gone when the learner reads it."""
    assert "-import-" not in message and "/content" not in message, message
    assert f"{data_dir}/." not in message, message  # no hidden folder beside the datasets either


def test_kaggle_competition_zip_with_a_nested_archive(tmp_path, data_dir):
    source = make_fer2013_competition(tmp_path / "competition", nested=True)
    archive = zip_folder(source, tmp_path / "challenges-in-representation-learning-facial-expression-recognition"
                                            "-challenge.zip")
    report = importer.import_dataset("fer2013", archive, partial=True)
    placed = data_dir / "fer2013"
    assert (placed / "icml_face_data.csv").is_file() and (placed / "fer2013.tar.gz").is_file()
    assert not (placed / "fer2013").exists()  # the archive inside is kept as it is, not extracted
    assert report.split_counts == {"train": 64, "val": 8, "test": 8}
    assert report.split_sources == {"train": "official", "val": "official", "test": "official"}
    text = str(report)
    assert "  per split: train 64 (official), val 8 (official), test 8 (official)" in text
    assert "fer2013.tar.gz (an archive inside the download: not extracted)" in text
    assert "test.csv (the competition's test faces without labels: cannot be used for evaluation)" in text
    assert "SHA-256 of icml_face_data.csv: " in text and "SHA-256 of train.csv: " in text
    assert "WARNING" not in text
    no_staging_path(text, data_dir)
    assert leftovers(data_dir) == []


def test_competition_folder_with_train_csv_alone_warns_about_made_splits(tmp_path, data_dir):
    source = make_fer2013_competition(tmp_path / "competition", icml=False)
    report = importer.import_dataset("fer2013", source, partial=True)
    assert report.split_counts == {"train": 48, "val": 8, "test": 8}
    text = str(report)
    assert ("  per split: train 48 (official, less the rows made into val and test), val 8 (made from the training "
            "rows, not an official split), test 8 (made from the training rows, not an official split)") in text
    warned = [line for line in text.splitlines() if line.startswith("  WARNING: ")]
    assert len(warned) == 1 and "has no validation and no test split" in warned[0]
    assert "These are not FER2013's official PublicTest/PrivateTest splits" in warned[0]
    assert "left out: Left out 2 item(s) beside train.csv" in text  # test.csv and example_submission.csv
    assert not any("split" in item and "Made" in item for item in report.left_out)  # split news are warnings


def test_kaggle_folder_version_archive_zip(tmp_path, data_dir):
    archive = zip_folder(make_fer2013_kaggle_folders(tmp_path / "archive"), tmp_path / "archive.zip")
    report = importer.import_dataset("fer2013", archive)  # no fixed file: no --partial needed
    assert (data_dir / "fer2013" / "train" / "happy" / "im0.png").is_file()
    assert report.split_counts == {"train": 28, "val": 4, "test": 6}
    assert report.split_sources["val"] == "made from the training rows, not an official split"
    assert report.split_sources["test"] == "official"
    text = str(report)
    assert "  WARNING: FER2013 from image folders train/ and test/ has no validation split" in text
    assert "  about: FER2013 (image folders train/ and test/): 38 faces; official split: 6 test (folder test/)" in text


def test_classic_fer2013_tar_gz(tmp_path, data_dir):
    archive = make_fer2013_tar_gz(tmp_path / "fer2013.tar.gz", tmp_path / "work")
    report = importer.import_dataset("fer2013", archive, partial=True)
    assert (data_dir / "fer2013" / "fer2013.csv").is_file() and (data_dir / "fer2013" / "README").is_file()
    assert report.split_counts == {"train": 64, "val": 8, "test": 8} and "WARNING" not in str(report)


def test_summary_warns_when_no_row_has_a_split(tmp_path, data_dir):
    report = importer.import_dataset("jaffe", make_jaffe(tmp_path / "jaffe"))
    assert report.split_counts == {"unassigned": 3}
    assert ("  WARNING: the download defines no train/val/test split: all 3 samples are unassigned; split by subject "
            "with fercourse.data.subject_split, or use fercourse.data.loso_folds, before training.") in str(report)


def test_the_folder_that_used_to_name_a_deleted_temporary_folder(tmp_path, data_dir):
    """icml_face_data.csv + train.csv + test.csv was refused with '<data>/.fer2013-import-xxxx/content/... holds
    neither fer2013.csv nor ...', a folder already deleted when the learner read it."""
    source = make_fer2013_competition(tmp_path / "download")
    report = importer.import_dataset("fer2013", source, partial=True)
    assert report.samples == 80 and report.split_counts == {"train": 64, "val": 8, "test": 8}
    no_staging_path(str(report), data_dir)


@pytest.mark.parametrize("form", ["folder", "zip", "file"])
def test_errors_name_the_download_and_the_member_never_the_temporary_folder(tmp_path, data_dir, form):
    source = make_fer2013_competition(tmp_path / "download", train=False)
    write_icml_face_data_damaged(source / "icml_face_data.csv")
    expected = {
        "folder": (source, rf"{source}/icml_face_data\.csv, line 5: 100 pixel values, expected 2304"),
        "zip": (zip_folder(source, tmp_path / "download.zip", prefix="fer/"),
                r"download\.zip, member fer/icml_face_data\.csv, line 5: 100 pixel values, expected 2304"),
        "file": (source / "icml_face_data.csv", rf"{source}/icml_face_data\.csv, line 5: 100 pixel values"),
    }
    download, match = expected[form]
    with pytest.raises(DatasetError, match=match) as caught:
        importer.import_dataset("fer2013", download, partial=True)
    assert "download icml_face_data.csv again" in str(caught.value)
    no_staging_path(str(caught.value), data_dir)
    assert leftovers(data_dir) == [] and not (data_dir / "fer2013").exists()


def write_icml_face_data_damaged(path):
    from fixtures_data import pixel_text, write_icml_face_data

    rows = fer2013_rows()
    emotion, _, usage = rows[3]
    rows[3] = (emotion, pixel_text(9, 100), usage)  # line 5 of the file: header, then rows 0..3
    return write_icml_face_data(path, rows)


def test_unusable_competition_files_name_the_download(tmp_path, data_dir):
    source = make_fer2013_competition(tmp_path / "download", icml=False, train=False)  # test.csv without labels
    with pytest.raises(DatasetError, match=rf"^{source} holds neither fer2013\.csv.*Its test\.csv has no labels") as caught:
        importer.import_dataset("fer2013", source)
    no_staging_path(str(caught.value), data_dir)
    archive = zip_folder(source, tmp_path / "download.zip")
    with pytest.raises(DatasetError, match=r"download\.zip holds neither fer2013\.csv") as caught:
        importer.import_dataset("fer2013", archive)
    no_staging_path(str(caught.value), data_dir)


def test_a_download_holding_only_an_inner_archive(tmp_path, data_dir):
    inner = make_fer2013_tar_gz(tmp_path / "pack" / "fer2013.tar.gz", tmp_path / "work")
    (tmp_path / "pack" / "notes.txt").write_text("see the archive")
    outer = zip_folder(inner.parent, tmp_path / "outer.zip")
    with pytest.raises(DatasetError, match=r"outer\.zip does not look like fer2013: expected .*It holds "
                                           r"fer2013\.tar\.gz, an archive inside the download, which the importer "
                                           r"does not extract") as caught:
        importer.import_dataset("fer2013", outer)
    no_staging_path(str(caught.value), data_dir)


def test_a_full_disk_names_the_destination_not_the_temporary_folder(tmp_path, data_dir, monkeypatch):
    archive = zip_folder(make_fer2013_kaggle_folders(tmp_path / "archive"), tmp_path / "archive.zip")
    monkeypatch.setattr(importer.limits.shutil, "disk_usage", lambda folder: type("Usage", (), {"free": 10})())
    with pytest.raises(DatasetError, match=rf"Extracting archive\.zip needs [\d.]+ KiB, but only 10 bytes are free "
                                           rf"on the disk that holds {data_dir}\. Free some space") as caught:
        importer.import_dataset("fer2013", archive)
    assert "-import-" not in str(caught.value)


# ---------------------------------------------------------- DISFA and BP4D


def test_disfa_zip_with_a_wrapper_folder_imports(tmp_path, data_dir):
    source = make_disfa(tmp_path / "DISFA")
    archive = zip_folder(source, tmp_path / "DISFA.zip", prefix="DISFA/", extra={"DISFA/Readme.pdf": b"%PDF"})
    report = importer.import_dataset("disfa", archive)
    assert (data_dir / "disfa" / "Videos_RightCamera" / "RightVideoSN005_comp.avi").is_file()
    assert report.kind == "image" and report.samples == 24 and report.subjects == ["SN001", "SN002", "SN003", "SN005"]
    assert report.label_counts == {"neutral": 12, "action": 12}
    text = str(report)
    assert f"disfa: 24 images checked and placed in {data_dir / 'disfa'}" in text
    assert "about: DISFA (left camera): 24 frames of 4 people" in text
    assert "WARNING: the download defines no train/val/test split" in text
    assert leftovers(data_dir) == []


def test_bp4d_folder_imports(tmp_path, data_dir):
    report = importer.import_dataset("bp4d", make_bp4d(tmp_path / "BP4D"))
    assert (data_dir / "bp4d" / "AUCoding" / "AU_INT" / "AU12" / "F001_T1_AU12.csv").is_file()
    assert report.samples == 12 and report.subjects == ["F001", "F002", "M001"]
    assert report.label_counts == {"neutral": 8, "action": 4} and report.left_out == []


def test_a_truncated_disfa_video_or_a_damaged_bp4d_frame_is_refused_at_import(tmp_path, data_dir):
    root = make_disfa(tmp_path / "disfa", subjects=("SN001", "SN002"), frames=20, right=False)
    truncate(root / "Videos_LeftCamera" / "LeftVideoSN002_comp.avi", keep=0.6)
    with pytest.raises(DatasetError, match=r"LeftVideoSN002_comp\.avi: frame 19 \(counting from 0\) cannot be "
                                           r"decoded; its header announces 20 frames"):
        importer.import_dataset("disfa", root)
    bp4d = make_bp4d(tmp_path / "bp4d")
    (bp4d / "Sequences" / "M001" / "T1" / "0102.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DatasetError, match=r"0102\.jpg could not be decoded.*Copy or download the file again"):
        importer.import_dataset("bp4d", bp4d)
    assert not (data_dir / "disfa").exists() and not (data_dir / "bp4d").exists() and leftovers(data_dir) == []


def test_ferplus_label_file_imports_after_fer2013(tmp_path, data_dir):
    download = make_ferplus(tmp_path / "FERPlus-master", faces=tmp_path / "kaggle" / "fer2013.csv")
    with pytest.raises(DatasetError, match=r"holds labels only; its faces are FER2013's.*import FER2013"):
        importer.import_dataset("ferplus", download / "fer2013new.csv", partial=True)
    assert not (data_dir / "ferplus").exists() and leftovers(data_dir) == []
    with pytest.raises(DatasetError, match=r"fer2013new\.csv has 9 rows; the published file has 35,887"):
        importer.import_dataset("ferplus", download / "fer2013new.csv")
    importer.import_dataset("fer2013", tmp_path / "kaggle" / "fer2013.csv", partial=True)
    (download / "src").mkdir()
    (download / "src" / "ferplus.py").write_text("# the repository's code")
    report = importer.import_dataset("ferplus", zip_folder(download, tmp_path / "FERPlus-master.zip",
                                                           prefix="FERPlus-master/"), partial=True)
    assert (data_dir / "ferplus" / "fer2013new.csv").is_file()
    assert report.kind == "image" and report.samples == 5
    assert report.label_counts == {"angry": 1, "happy": 1, "surprise": 1, "neutral": 1, "contempt": 1}
    text = str(report)
    assert "  per split: train 3 (official), val 1 (official), test 1 (official)" in text
    assert "SHA-256 of fer2013new.csv:" in text and "about: FER+ (fer2013new.csv with fer2013.csv): 5 of" in text


def test_ferplus_folder_with_both_files_imports(tmp_path, data_dir):
    report = importer.import_dataset("ferplus", make_ferplus(tmp_path / "both"), partial=True)
    assert sorted(report.sha256) == ["fer2013.csv", "fer2013new.csv"] and report.samples == 5
    assert sorted(p.name for p in (data_dir / "ferplus").iterdir()) == ["fer2013.csv", "fer2013new.csv"]


@pytest.mark.parametrize("given", ["download", "HS"])
def test_smic_folder_imports_and_every_frame_is_decoded(tmp_path, data_dir, given):
    root = make_smic(tmp_path / "SMIC_all_raw")
    report = importer.import_dataset("smic", root if given == "download" else root / "HS")
    assert (data_dir / "smic" / "HS" / "s1" / "micro" / "negative" / "s1_ne_01" / "image036237.bmp").is_file()
    assert report.kind == "video" and report.samples == 4 and report.subjects == ["s1", "s3"]
    assert report.label_counts == {"negative": 2, "positive": 1, "surprise": 1}
    assert "left out: nothing" in str(report) and leftovers(data_dir) == []


def test_a_truncated_smic_frame_is_refused_at_import(tmp_path, data_dir):
    root = make_smic(tmp_path / "SMIC_all_raw")
    truncate(root / "HS" / "s3" / "micro" / "surprise" / "s3_sur_01" / "image010001.bmp", keep=0.4)
    with pytest.raises(DatasetError, match=r"image010001\.bmp.*Copy or download the clip again"):
        importer.import_dataset("smic", root)
    assert not (data_dir / "smic").exists() and leftovers(data_dir) == []
