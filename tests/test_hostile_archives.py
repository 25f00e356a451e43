"""The importer against crafted downloads: every hostile archive is built here, in tmp_path.

Each test snapshots everything around the import (the "learner's files" beside the
destination included) and checks afterwards that it is unchanged, byte for byte, and
that the importer left no temporary folder and placed nothing.
"""

import io
import math
import os
import signal
import stat
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from fixtures_data import make_casme2, make_video_folders, truncate, write_fer2013_csv, write_video, zip_folder

from fercourse.data import importer
from fercourse.errors import DatasetError

LEARNER_FILE = b"my notes, not to be touched\n"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """The data folder, with a learner's own folder and file next to where datasets go."""
    folder = tmp_path / "data"
    (folder / "learner").mkdir(parents=True)
    (folder / "learner" / "notes.txt").write_bytes(LEARNER_FILE)
    monkeypatch.setenv("FERCOURSE_DATA_DIR", str(folder))
    return folder


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder``, not following links: folders, file bytes, link targets."""
    found = {}
    for parent, folders, files in os.walk(folder, followlinks=False):
        for name in folders + files:
            path = Path(parent) / name
            info = os.lstat(path)
            key = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[key] = ("folder",)
            else:
                found[key] = ("file", path.read_bytes(), info.st_nlink)
    return found


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.glob(".*-import-*")]


def refused(tmp_path, data_dir, name, archive, match, **options):
    """Import ``archive``, expect a DatasetError matching ``match``, and check that nothing around changed."""
    before = snapshot(tmp_path)
    with pytest.raises(DatasetError, match=match) as caught:
        importer.import_dataset(name, archive, **options)
    assert snapshot(tmp_path) == before, "the import changed files outside the dataset folder"
    assert not (data_dir / name).exists() and leftovers(data_dir) == []
    assert (data_dir / "learner" / "notes.txt").read_bytes() == LEARNER_FILE
    message = str(caught.value)
    # The temporary folder is gone when the learner reads the message: it must name the download instead.
    assert "-import-" not in message and f"{data_dir}{os.sep}." not in message, message
    return message


# ------------------------------------------------- the symlink chain beyond PATH_MAX


def chain_escape_tar(archive: Path, dest_length: int, up: int, payload: bytes = b"overwritten\n") -> Path:
    """A tar that escapes a path checker which resolves links with a length-limited ``realpath``.

    The CVE-2025-4517 pattern: folders with long names nested until their real path
    nears PATH_MAX, each reachable through a one-letter symbolic link, so that the
    short path ``a/b/c/...`` resolves to a real path just below the limit.  A link
    ``a/b/.../hhh...`` (one more long component: past the limit) points ``levels``
    folders up, that is back to the extraction folder.  A checker whose ``realpath``
    gives up past PATH_MAX treats that link as a plain folder and ``hop/..`` as a
    no-op, while the system follows it: ``escape`` -> ``hop/../..`` then leads ``up``
    folders above the extraction folder, to ``learner/``.  The file written through
    it overwrites the learner's notes, another one is created beside them, and a hard
    link to the notes is left inside the dataset.  ``dest_length`` is the length of the
    real path of the folder the archive will be extracted into.
    """
    path_max = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
    deepest = path_max - 60  # the deepest real folder stays just below the limit
    levels = math.ceil((deepest - dest_length) / 255)
    width = (deepest - dest_length) // levels - 1
    long = "d" * width
    members = []

    def add(name, kind, linkname="", data=b""):
        info = tarfile.TarInfo(name)
        info.type, info.linkname, info.size = kind, linkname, len(data)
        members.append((info, io.BytesIO(data) if data else None))

    real, steps = "", []
    for k in range(levels):
        step = chr(ord("a") + k) if k < 26 else f"s{k}"
        add(f"{real}{long}", tarfile.DIRTYPE)
        add(f"{real}{step}", tarfile.SYMTYPE, long)
        real += long + "/"
        steps.append(step)
    hop = "/".join(steps) + "/" + "h" * 250
    add(hop, tarfile.SYMTYPE, "../" * levels)
    add("escape", tarfile.SYMTYPE, hop + "/.." * up + "/learner")
    add("escape/notes.txt", tarfile.REGTYPE, data=payload)
    add("escape/new.txt", tarfile.REGTYPE, data=b"created outside\n")
    add("inside_link", tarfile.LNKTYPE, "escape/notes.txt")
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as handle:
        for info, data in members:
            handle.addfile(info, data)
    return archive


def staging_content_length(data_dir: Path, name: str) -> int:
    """Length of the real path of the folder the importer extracts into: <data>/.<name>-import-XXXXXXXX/content."""
    return len(os.path.realpath(data_dir)) + len(f"/.{name}-import-") + 8 + len("/content")


def standard_filter_is_vulnerable() -> bool:
    """Python releases whose tarfile 'data' filter has the PATH_MAX bypass (fixed in 3.9.23, 3.10.18,
    3.11.13, 3.12.11 and 3.13.4)."""
    if not hasattr(tarfile, "data_filter"):
        return False
    fixed = {(3, 9): 23, (3, 10): 18, (3, 11): 13, (3, 12): 11, (3, 13): 4}
    major_minor, micro = sys.version_info[:2], sys.version_info[2]
    return major_minor in fixed and micro < fixed[major_minor]


@pytest.mark.skipif(os.name == "nt", reason="symbolic links in tar archives need a POSIX system")
def test_symlink_chain_beyond_path_max_cannot_escape(tmp_path, data_dir):
    archive = chain_escape_tar(tmp_path / "jaffe.tar", staging_content_length(data_dir, "jaffe"), up=2)
    message = refused(tmp_path, data_dir, "jaffe", archive, r"the member 'a' is a symbolic link \(to 'ddd")
    assert "Nothing was extracted" in message and "Use an archive from the dataset's official source" in message
    assert sorted(os.listdir(data_dir / "learner")) == ["notes.txt"]


@pytest.mark.skipif(not standard_filter_is_vulnerable(), reason="this Python's tarfile filter has the fix")
def test_the_chain_archive_really_escapes_this_pythons_own_filter(tmp_path):
    """Proof that the archive above is hostile here: tarfile's own 'data' filter lets it out (a sandbox in tmp_path)."""
    sandbox = tmp_path / "sandbox"
    (sandbox / "learner").mkdir(parents=True)
    (sandbox / "learner" / "notes.txt").write_bytes(LEARNER_FILE)
    dest = sandbox / "dest"
    dest.mkdir()
    archive = chain_escape_tar(tmp_path / "chain.tar", len(os.path.realpath(dest)), up=1)
    with tarfile.open(archive) as handle:
        handle.extractall(dest, filter="data")
    assert (sandbox / "learner" / "notes.txt").read_bytes() == b"overwritten\n"
    assert (sandbox / "learner" / "new.txt").is_file()
    assert os.lstat(dest / "inside_link").st_nlink == 2  # a hard link to the learner's file, inside the dataset


# ------------------------------------------------------------------ links and specials


def tar_of(archive: Path, *members) -> Path:
    """A tar of ``(name, type, linkname, data)`` members, in order."""
    with tarfile.open(archive, "w") as handle:
        for name, kind, linkname, data in members:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.size = kind, linkname, len(data)
            handle.addfile(info, io.BytesIO(data) if data else None)
    return archive


@pytest.mark.parametrize("members, match", [
    ([("pack/link", tarfile.SYMTYPE, "../../learner", b""), ("pack/link/notes.txt", tarfile.REGTYPE, "", b"x")],
     r"'pack/link' is a symbolic link \(to '\.\./\.\./learner'\)"),
    ([("pack/passwd", tarfile.LNKTYPE, "/etc/passwd", b"")], r"'pack/passwd' is a hard link \(to '/etc/passwd'\)"),
    ([("pack/a.tiff", tarfile.REGTYPE, "", b"ok"), ("pack/b.tiff", tarfile.LNKTYPE, "pack/a.tiff", b"")],
     r"'pack/b\.tiff' is a hard link \(to 'pack/a\.tiff'\)"),
    ([("pack/fifo", tarfile.FIFOTYPE, "", b"")], r"'pack/fifo' is a named pipe \(FIFO\)"),
    ([("pack/tty", tarfile.CHRTYPE, "", b"")], r"'pack/tty' is a character device"),
    ([("pack/disk", tarfile.BLKTYPE, "", b"")], r"'pack/disk' is a block device"),
])
def test_tar_links_devices_and_pipes_are_refused_before_writing(tmp_path, data_dir, members, match):
    archive = tar_of(tmp_path / "bad.tar", ("pack/KA.AN1.39.tiff", tarfile.REGTYPE, "", b"first"), *members)
    message = refused(tmp_path, data_dir, "jaffe", archive, match)
    assert "Datasets hold only plain files and folders" in message and "Nothing was extracted" in message


def test_zip_symlink_member_is_refused(tmp_path, data_dir):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        info = zipfile.ZipInfo("pack/notes.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        handle.writestr(info, "../../learner/notes.txt")
    message = refused(tmp_path, data_dir, "jaffe", archive,
                      r"'pack/notes\.txt' is a symbolic link \(to '\.\./\.\./learner/notes\.txt'\)")
    assert "Nothing was extracted" in message


@pytest.mark.parametrize("evil", ["..\\..\\learner\\notes.txt", "pack/../../learner/notes.txt", "C:/evil.txt"])
def test_zip_names_that_climb_out_are_refused(tmp_path, data_dir, evil):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(zipfile.ZipInfo(evil), b"gotcha")
    message = refused(tmp_path, data_dir, "jaffe", archive, "has an absolute path or climbs out with '..'")
    assert "Use an archive from the dataset's official source" in message


def test_a_member_twice_or_a_file_where_a_folder_goes_is_refused(tmp_path, data_dir):
    twice = tmp_path / "twice.zip"
    with zipfile.ZipFile(twice, "w") as handle, pytest.warns(UserWarning, match="Duplicate name"):
        handle.writestr("pack/KA.AN1.39.tiff", b"first")
        handle.writestr("pack/KA.AN1.39.tiff", b"second")
    message = refused(tmp_path, data_dir, "jaffe", twice, r"'pack/KA\.AN1\.39\.tiff' appears twice")
    assert "download it again" in message
    shadow = tar_of(tmp_path / "shadow.tar", ("pack", tarfile.REGTYPE, "", b"a file"),
                    ("pack/KA.AN1.39.tiff", tarfile.REGTYPE, "", b"x"))
    refused(tmp_path, data_dir, "jaffe", shadow, r"needs the folder 'pack', but a file or link of that name came first")


def test_a_folder_holding_a_link_is_not_copied(tmp_path, data_dir):
    source = tmp_path / "download"
    source.mkdir()
    (source / "KA.AN1.39.tiff").write_bytes(b"x")
    (source / "KA.HA1.40.tiff").symlink_to(data_dir / "learner" / "notes.txt")
    message = refused(tmp_path, data_dir, "jaffe", source, r"holds a symbolic link KA\.HA1\.40\.tiff")
    assert "Replace the link by the file it points to" in message


@pytest.mark.skipif(os.name == "nt", reason="symbolic links, hard links and FIFOs as a POSIX system makes them")
def test_the_staged_tree_is_walked_without_following_anything(tmp_path):
    staged = tmp_path / "staged"
    (staged / "pack").mkdir(parents=True)
    (staged / "pack" / "ok.txt").write_bytes(b"ok")
    importer.archives._check_tree(staged, tmp_path / "download.tar")  # plain files and folders pass
    os.link(staged / "pack" / "ok.txt", tmp_path / "elsewhere.txt")
    with pytest.raises(DatasetError, match=r"'pack/ok\.txt' is a hard link"):
        importer.archives._check_tree(staged, tmp_path / "download.tar")
    os.unlink(tmp_path / "elsewhere.txt")
    (staged / "pack" / "link").symlink_to("/etc")
    with pytest.raises(DatasetError, match=r"'pack/link' is a symbolic link"):
        importer.archives._check_tree(staged, tmp_path / "download.tar")
    (staged / "pack" / "link").unlink()
    os.mkfifo(staged / "pack" / "fifo")
    with pytest.raises(DatasetError, match=r"'pack/fifo' is a named pipe"):
        importer.archives._check_tree(staged, tmp_path / "download.tar")


# ------------------------------------------------------------------------ size limits


def test_a_zip_bomb_is_refused_before_it_is_expanded(tmp_path, data_dir):
    archive = tmp_path / "fer2013.zip"
    csv = write_fer2013_csv(tmp_path / "src" / "fer2013.csv")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(csv, "fer2013.csv")
        handle.writestr("junk.bin", bytes(32 << 20))  # 32 MiB of zeros in about 32 KiB
    assert archive.stat().st_size < 1 << 20
    message = refused(tmp_path, data_dir, "fer2013", archive, r"the member 'junk\.bin' would expand [\d,]+ times "
                      r"\(from [\d.]+ KiB to 32\.0 MiB\), more than the limit of 100 times", partial=True)
    assert "--max-ratio" in message and "import_dataset(..., max_ratio=...)" in message


def test_a_tar_gz_bomb_is_refused_from_its_headers(tmp_path, data_dir):
    archive = tmp_path / "fer2013.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        info = tarfile.TarInfo("junk.bin")
        info.size = 32 << 20
        handle.addfile(info, io.BytesIO(bytes(info.size)))
    message = refused(tmp_path, data_dir, "fer2013", archive, r"the archive would expand [\d,]+ times", partial=True)
    assert "--max-ratio" in message


def test_per_file_and_total_limits_name_the_option_to_raise_them(tmp_path, data_dir):
    source = make_casme2(tmp_path / "CASME2")
    archive = zip_folder(source, tmp_path / "casme2.zip")
    message = refused(tmp_path, data_dir, "casme2", archive, r"the member 'CASME2-coding-20140508\.xlsx' would expand "
                      r"to [\d.]+ KiB, more than the limit of 1\.0 KiB", max_file_size="1K")
    assert "--max-file-size" in message and "import_dataset(..., max_file_size=...)" in message
    message = refused(tmp_path, data_dir, "casme2", archive, r"its content would expand to [\d.]+ KiB, more than the "
                      r"limit of 2\.0 KiB", max_total_size=2048)
    assert "--max-total-size" in message and "max_total_size=" in message
    with pytest.raises(Exception, match=r"max_ratio \(--max-ratio\) must be a number of at least 1"):
        importer.import_dataset("casme2", archive, max_ratio=float("nan"))
    report = importer.import_dataset("casme2", archive, max_file_size="1M", max_total_size="1M", max_ratio=10)
    assert report.samples == 2  # generous enough limits let the real thing through


def test_command_line_limits(tmp_path, data_dir, capsys):
    archive = zip_folder(make_casme2(tmp_path / "CASME2"), tmp_path / "casme2.zip")
    assert importer.main(["data", "import", "casme2", str(archive), "--max-file-size", "100"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "more than the limit of 100 bytes" in err[0] and "--max-file-size" in err[0]
    assert importer.main(["data", "import", "casme2", str(archive), "--max-file-size", "20M"]) == 0


# ------------------------------------------------------------------- damaged archives


def test_a_truncated_zip_is_damaged_not_a_wrong_dataset(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "src" / "fer2013.csv")
    archive = tmp_path / "fer2013.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(csv, "fer2013.csv")
    truncate(archive, keep=0.6)
    message = refused(tmp_path, data_dir, "fer2013", archive, r"fer2013\.zip is a zip archive by its first bytes, but "
                      r"it cannot be opened: it is damaged", partial=True)
    assert "Download it again" in message and "does not look like" not in message
    named = tmp_path / "fer2013-copy.zip"
    named.write_bytes(b"this is not a zip at all")
    refused(tmp_path, data_dir, "fer2013", named, r"is a zip archive by its name, but it cannot be opened", partial=True)


def test_a_zip_whose_data_was_changed_is_damaged(tmp_path, data_dir):
    archive = zip_folder(make_casme2(tmp_path / "CASME2"), tmp_path / "casme2.zip")
    data = bytearray(archive.read_bytes())
    at = data.index(b"PK\x03\x04") + 30 + len("CASME2-coding-20140508.xlsx") + 10
    data[at] ^= 0xFF  # one flipped byte in the first member's data: its CRC-32 no longer matches
    archive.write_bytes(bytes(data))
    refused(tmp_path, data_dir, "casme2", archive, r"casme2\.zip is damaged and cannot be extracted.*Download it again")


# ------------------------------------------------------------ clips decoded at import


def test_a_truncated_casme2_frame_is_found_at_import(tmp_path, data_dir):
    source = make_casme2(tmp_path / "CASME2")
    truncate(source / "CASME2_RAW_selected" / "sub02" / "EP03_02" / "img12.jpg", keep=0.5)
    archive = zip_folder(source, tmp_path / "casme2.zip")
    message = refused(tmp_path, data_dir, "casme2", archive, r"sub02/EP03_02/img12\.jpg could not be decoded")
    assert "Copy or download the clip again" in message


def test_a_video_shorter_than_its_header_is_found_at_import(tmp_path, data_dir):
    source = make_video_folders(tmp_path / "baum")
    truncate(write_video(source / "sad" / "S03_long.avi", frames=20, size=32), keep=0.6)
    message = refused(tmp_path, data_dir, "baum", source, r"S03_long\.avi is truncated: its header announces 20 frames "
                      r"but only \d+ could be decoded")
    assert "Copy or download it again" in message


def test_clip_frame_counts_must_match_the_header(tmp_path):
    from fercourse.data import loaders

    root = make_video_folders(tmp_path / "baum")
    dataset = loaders.load_video_folders(root)
    dataset.table["n_frames"] = dataset.table["n_frames"] - 1  # the header now announces one frame fewer
    with pytest.raises(DatasetError, match=r"happy/S01_take1\.avi: 6 frames decode, but its header announces 5\. "
                                           r"The clip is damaged: copy or download it again"):
        importer.steps._check_clips(dataset, root)


# ---------------------------------------------------------------- killed imports


KILLED_IMPORT = textwrap.dedent("""
    import os, signal, sys, time
    from fercourse.data import importer

    def stop(*args, **kwargs):
        os.kill(os.getpid(), getattr(signal, sys.argv[3]))
        time.sleep(30)

    importer.steps._check = stop
    sys.exit(importer.main(["data", "import", "fer2013", sys.argv[1], "--into", sys.argv[2], "--partial"]))
""")


def run_killed_import(csv: Path, into: Path, how: str) -> int:
    return subprocess.run([sys.executable, "-c", KILLED_IMPORT, str(csv), str(into), how], capture_output=True,
                          timeout=120).returncode


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_staging_folder_left_by_a_killed_import_is_removed_next_time(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    assert run_killed_import(csv, data_dir / "fer2013", "SIGKILL") == -signal.SIGKILL
    stale = leftovers(data_dir)
    assert len(stale) == 1 and (data_dir / stale[0] / "content" / "fer2013.csv").is_file()
    running = data_dir / ".fer2013-import-running"  # another import, still running: its lock is held
    running.mkdir()
    with open(running / ".lock", "w") as held:
        assert importer.staging.import_lock(held)
        report = importer.import_dataset("fer2013", csv, partial=True)
        assert leftovers(data_dir) == [running.name]
    assert any(note.startswith(f"removed {stale[0]} (") and "stopped before it could clean up" in note
               for note in report.notes)
    assert (data_dir / "fer2013" / "fer2013.csv").read_bytes() == csv.read_bytes()
    assert (data_dir / "learner" / "notes.txt").read_bytes() == LEARNER_FILE


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_terminated_command_line_import_cleans_up_after_itself(tmp_path, data_dir):
    csv = write_fer2013_csv(tmp_path / "fer2013.csv")
    assert run_killed_import(csv, data_dir / "fer2013", "SIGTERM") == 128 + signal.SIGTERM
    assert leftovers(data_dir) == [] and not (data_dir / "fer2013").exists()


def test_stale_detection_needs_the_importers_own_names(tmp_path):
    (tmp_path / ".fer2013-import-old").mkdir()
    (tmp_path / ".fer2013-import-old" / ".lock").write_text("")
    (tmp_path / ".mine-import-keep").mkdir()  # not a name the importer makes
    (tmp_path / ".ckplus-import-file").write_text("a file, not a staging folder")
    removed = importer.staging.remove_stale_staging(tmp_path)
    assert len(removed) == 1 and removed[0].startswith("removed .fer2013-import-old")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ckplus-import-file", ".mine-import-keep"]

