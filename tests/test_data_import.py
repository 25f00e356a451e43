"""`python -m fercourse data import`: checks before placing, never overwrites, refuses escaping archives."""

import hashlib
import os
import subprocess
import sys
import zipfile

import pytest
from fixtures_data import (
    make_casme2,
    make_ckplus,
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
    assert leftovers(data_dir) == []


def test_fer2013_with_the_wrong_row_count_is_refused_unless_partial(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    with pytest.raises(DatasetError, match=r"fer2013\.csv has 3 rows; the published file has 35,887.*--partial"):
        importer.import_dataset("fer2013", csv)
    assert not (data_dir / "fer2013").exists() and leftovers(data_dir) == []


def test_a_recorded_checksum_is_enforced(tmp_path, data_dir, monkeypatch):
    known = importer.KnownFile("fer2013", "fer2013.csv", sha256="0" * 64)
    monkeypatch.setattr(importer, "KNOWN_FILES", [known])
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
