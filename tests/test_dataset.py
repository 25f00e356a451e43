"""fercourse.data.Dataset and the subject-aware splits."""

import numpy as np
import pandas as pd
import pytest

from fercourse.data import Dataset, check_no_leak, loso_folds, subject_split
from fercourse.dataset import UNKNOWN_SUBJECT
from fercourse.errors import DatasetError, InvalidInputError

LABELS = ("happy", "sad")


def make(n=12, subjects=6, kind="image"):
    table = pd.DataFrame({
        "label": [LABELS[i % 2] for i in range(n)],
        "subject": [f"p{i % subjects}" for i in range(n)],
        "split": "unassigned",
    })
    if kind == "video":
        table = table.assign(fps=30, n_frames=4, onset=0, apex=2, offset=3)
        samples = [np.full((4, 8, 8), i, np.uint8) for i in range(n)]
    else:
        samples = np.arange(n, dtype=np.uint8)[:, None, None] * np.ones((1, 8, 8), np.uint8)
    return Dataset("toy", kind, LABELS, samples, table, {"id": np.arange(n)})


def test_labels_as_indices_and_stacked_samples():
    data = make()
    assert data.y().tolist() == [0, 1] * 6
    assert data.X().shape == (12, 8, 8)
    assert "6 subjects" in repr(data)


def test_lazy_video_samples_are_loaded_on_access():
    calls = []

    def loader():
        calls.append(1)
        return np.zeros((4, 8, 8), np.uint8)

    data = make(kind="video")
    data.samples[0] = loader
    assert not calls
    assert data.sample(0).shape == (4, 8, 8) and calls == [1]


def test_subset_keeps_rows_samples_and_extras_aligned():
    data = make()
    part = data.subset(data.table["subject"].to_numpy() == "p2")
    assert len(part) == 2
    assert part.extras["id"].tolist() == [2, 8]
    assert [int(s[0, 0]) for s in part.samples] == [2, 8]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.drop(columns="subject"), "lacks the column\\(s\\) subject"),
        (lambda t: t.assign(label="bored"), "not in its label set"),
        (lambda t: t.assign(split="holdout"), "unknown split"),
        (lambda t: t.iloc[:5], "12 samples but 5 table rows"),
    ],
)
def test_inconsistent_datasets_are_refused(change, message):
    data = make()
    with pytest.raises(DatasetError, match=message):
        Dataset("toy", "image", LABELS, data.samples, change(data.table))


def test_video_tables_need_timing_columns():
    data = make()
    with pytest.raises(DatasetError, match="fps, n_frames, onset, apex, offset"):
        Dataset("toy", "video", LABELS, list(data.samples), data.table)


def test_unequal_samples_cannot_be_stacked():
    data = make(n=2, subjects=2)
    data.samples = [np.zeros((8, 8), np.uint8), np.zeros((6, 6), np.uint8)]
    with pytest.raises(DatasetError, match="different shapes"):
        data.X()


def test_subject_split_keeps_people_on_one_side():
    table = make(n=60, subjects=20).table
    split = subject_split(table, val=0.2, test=0.2, seed=1)
    sides = pd.DataFrame({"subject": table["subject"], "split": split}).groupby("subject")["split"].nunique()
    assert (sides == 1).all()
    assert split.value_counts().to_dict() == {"train": 36, "val": 12, "test": 12}
    assert split.equals(subject_split(table, val=0.2, test=0.2, seed=1))


def test_a_leaking_split_is_refused():
    data = make()
    leaky = ["train"] * 12
    leaky[6] = "test"  # rows 0 and 6 both belong to subject p0
    with pytest.raises(DatasetError, match="more than one side"):
        data.with_splits(leaky)


def test_check_no_leak_ignores_unassigned_rows():
    table = pd.DataFrame({"subject": ["a", "a", "b"], "split": ["train", "unassigned", "test"]})
    check_no_leak(table)


def test_check_no_leak_skips_rows_of_unknown_subjects():
    # FER2013 records nobody: "unknown" rows on every side cannot be checked, so they are not a leak ...
    table = pd.DataFrame({"subject": [UNKNOWN_SUBJECT] * 3 + ["a", "b"], "split": ["train", "val", "test", "train", "test"]})
    check_no_leak(table)
    # ... while a known person on two sides still is, whatever unknown rows surround it.
    table.loc[len(table)] = ["a", "val"]
    with pytest.raises(DatasetError, match=r"1 subject\(s\) appear on more than one side of the split \(e\.g\. a\)"):
        check_no_leak(table)
    assert UNKNOWN_SUBJECT == "unknown"


def unknown_subjects(n=16):
    table = make(n=n).table.assign(subject=UNKNOWN_SUBJECT)
    table["split"] = ["train", "val", "test", "train"] * (n // 4)
    return table


def test_loso_and_subject_split_refuse_data_without_subject_ids():
    with pytest.raises(DatasetError, match=r"records no subject ids \(every subject is 'unknown'\), so "
                                           r"leave-one-subject-out is impossible.*FER2013 comes with its own split "
                                           r"\(Training, PublicTest, PrivateTest\): use dataset\.split\('train'\)"):
        list(loso_folds(unknown_subjects()))
    with pytest.raises(DatasetError, match=r"records no subject ids.*so a subject split is impossible.*"
                                           r"dataset\.split\('val'\) and dataset\.split\('test'\)"):
        subject_split(unknown_subjects())
    mixed = make(n=12, subjects=4).table
    mixed.loc[0, "subject"] = UNKNOWN_SUBJECT  # some recorded people: the split still works
    assert len(list(loso_folds(mixed))) == 5 and len(subject_split(mixed, val=0.2, test=0.2)) == 12


def test_the_description_survives_subset_split_and_with_splits():
    data = make()
    assert data.description == ""
    data = Dataset("toy", "image", LABELS, data.samples, data.table, data.extras, description="Toy faces, split by hand.")
    assert data.subset([0, 1]).description == "Toy faces, split by hand."
    resplit = data.with_splits(subject_split(data.table, val=0.2, test=0.2))
    assert resplit.description == "Toy faces, split by hand."
    assert resplit.split("train").description == "Toy faces, split by hand."


def test_too_few_subjects_for_three_sides():
    table = make(n=4, subjects=2).table
    with pytest.raises(DatasetError, match="at least 3 subjects"):
        subject_split(table)


def test_loso_folds_cover_every_subject_once():
    table = make(n=12, subjects=4).table
    folds = list(loso_folds(table))
    assert [name for name, _, _ in folds] == ["p0", "p1", "p2", "p3"]
    for name, train, test in folds:
        assert set(table["subject"].iloc[test]) == {name}
        assert name not in set(table["subject"].iloc[train])
        assert len(train) + len(test) == 12


def test_split_arguments_are_checked():
    with pytest.raises(InvalidInputError, match="val \\+ test < 1"):
        subject_split(make().table, val=0.6, test=0.5)
    with pytest.raises(InvalidInputError, match="Unknown split"):
        make().split("holdout")


def test_the_mode_switch_picks_synthetic_or_real(tmp_path, monkeypatch):
    from fercourse import config, data

    monkeypatch.setattr(config, "use_real_data", lambda: False)
    synthetic = data.expressions(14, size=32, seed=1)
    assert synthetic.name == "synthetic" and len(synthetic) == 14
    monkeypatch.setattr(config, "use_real_data", lambda: True)
    monkeypatch.setattr(config, "budget", lambda: "full", raising=False)  # all of the (tiny) real data
    monkeypatch.setitem(config._state, "data_dir", tmp_path)
    with pytest.raises(DatasetError, match="fer2013"):
        data.expressions()  # real mode looks in the data directory, which is empty here
    csv = tmp_path / "fer2013" / "fer2013.csv"
    csv.parent.mkdir()
    pixels = " ".join(["7"] * 48 * 48)
    csv.write_text(f"emotion,pixels,Usage\n3,{pixels},Training\n6,{pixels},PrivateTest\n")
    with pytest.warns(UserWarning, match="no validation split"):  # and one training row is too few to make one
        real = data.expressions()
    assert real.name == "fer2013" and real.table["label"].tolist() == ["happy", "neutral"]
    assert real.description.startswith("FER2013 (fer2013.csv): 2 faces, official split: 1 train (Training), "
                                       "1 test (PrivateTest).")
