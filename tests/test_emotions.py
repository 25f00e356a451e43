"""fercourse.emotions: label sets, mappings to canonical and MEGC names, AUs and prototypes."""

import pytest

from fercourse import emotions
from fercourse.errors import InvalidInputError


def test_fer2013_order_is_unchanged_and_canonical_adds_contempt():
    assert emotions.FER2013_LABELS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    assert emotions.CANONICAL_LABELS == emotions.FER2013_LABELS + ("contempt",)


@pytest.mark.parametrize(
    "label, dataset, expected",
    [
        (0, "fer2013", "angry"),
        ("6", "fer2013", "neutral"),
        ("Happy", "fer2013", "happy"),
        (0, "ckplus", "neutral"),
        (2.0, "ckplus", "contempt"),
        ("   7.0000000e+00", "ckplus", "surprise"),
        ("AN", "jaffe", "angry"),
        ("ne", "jaffe", "neutral"),
        ("Happiness", "casme2", "happy"),
        ("sadness", "samm", "sad"),
        ("Anger", "samm", "angry"),
        ("contempt", "samm", "contempt"),
    ],
)
def test_dataset_labels_map_to_canonical_names(label, dataset, expected):
    assert emotions.to_canonical(label, dataset) == expected


def test_every_ckplus_code_and_jaffe_code_has_a_canonical_name():
    assert [emotions.to_canonical(code, "CK+") for code in range(8)] == list(emotions.CKPLUS_LABELS)
    assert set(emotions.CKPLUS_LABELS) == set(emotions.CANONICAL_LABELS)
    assert {emotions.to_canonical(code, "jaffe") for code in emotions.JAFFE_CODES} == set(emotions.FER2013_LABELS)


@pytest.mark.parametrize(
    "label, dataset, expected",
    [
        ("happiness", "casme2", "positive"),
        ("repression", "casme2", "negative"),
        ("disgust", "casme2", "negative"),
        ("fear", "casme2", "negative"),
        ("surprise", "casme2", "surprise"),
        ("others", "casme2", None),
        ("Other", "samm", None),
        ("Anger", "samm", "negative"),
        ("Contempt", "samm", "negative"),
        ("sadness", "samm", "negative"),
        ("po", "smic", "positive"),
        ("negative", "smic", "negative"),
        ("sur", "smic", "surprise"),
        (5, "ckplus", "positive"),
        (0, "ckplus", None),
    ],
)
def test_megc_2019_grouping(label, dataset, expected):
    assert emotions.to_megc(label, dataset) == expected


def test_every_casme2_and_samm_label_but_others_has_a_megc_class():
    for dataset in ("casme2", "samm"):
        classes = {label: emotions.to_megc(label, dataset) for label in emotions.DATASET_LABELS[dataset]}
        assert classes.pop("others") is None
        assert set(classes.values()) == set(emotions.MEGC_LABELS)


@pytest.mark.parametrize(
    "label, dataset, message",
    [
        (7, "fer2013", r"fer2013 label 7 is not one of its codes 0..6 \(0 = angry"),
        ("8.0", "ckplus", r"ckplus label '8.0' is not one of its codes 0..7"),
        (1.5, "ckplus", "not one of its codes"),
        ("joy", "casme2", "casme2 label 'joy' is unknown; expected one of happiness, disgust"),
        ("XX", "jaffe", "jaffe label 'XX' is unknown; expected one of NE, HA"),
        (None, "samm", "samm label None is unknown"),
        (True, "fer2013", "fer2013 label True is unknown"),
    ],
)
def test_unknown_labels_are_refused_with_the_expected_set(label, dataset, message):
    with pytest.raises(InvalidInputError, match=message):
        emotions.to_canonical(label, dataset)
    with pytest.raises(InvalidInputError, match=message):
        emotions.to_megc(label, dataset)


def test_micro_expression_classes_without_a_posed_counterpart_point_to_megc():
    for label, dataset in [("repression", "casme2"), ("others", "samm"), ("positive", "smic")]:
        with pytest.raises(InvalidInputError, match=r"no counterpart .* to_megc"):
            emotions.to_canonical(label, dataset)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(InvalidInputError, match="Unknown dataset 'affectnet'.*fer2013, ckplus, jaffe, casme2, samm"):
        emotions.to_canonical("happy", "affectnet")


def test_action_units_table_has_the_course_aus_with_muscles():
    required = {1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 17, 20, 23, 24, 25, 26, 27, 43, 45}
    assert required <= set(emotions.ACTION_UNITS)
    table = emotions.au_table()
    assert list(table.columns) == ["au", "name", "muscles", "face_part"]
    assert len(table) == len(emotions.ACTION_UNITS) and table["au"].is_monotonic_increasing
    row = table.set_index("au")
    assert row.loc[12, "name"] == "Lip Corner Puller" and "zygomaticus major" in row.loc[12, "muscles"]
    assert "orbicularis oculi, pars orbitalis" in row.loc[6, "muscles"]
    assert "corrugator supercilii" in row.loc[4, "muscles"]
    assert "mentalis" in row.loc[17, "muscles"] and "buccinator" in row.loc[14, "muscles"]
    assert row.loc[45, "name"] == "Blink" and row.loc[1, "face_part"] == "upper" and row.loc[26, "face_part"] == "lower"
    assert all(unit.muscles and unit.name for unit in emotions.ACTION_UNITS.values())


CORE = {
    "happy": {6, 12},
    "sad": {1, 4, 15},
    "surprise": {1, 2, 5, 26},
    "fear": {1, 2, 4, 5, 7, 20, 26},
    "angry": {4, 5, 7, 23},
    "disgust": {9, 15, 16},
    "contempt": {12, 14},
    "neutral": set(),
}


def test_prototypes_cover_the_canonical_expressions_with_the_facs_core():
    assert set(emotions.PROTOTYPES) == set(emotions.CANONICAL_LABELS)
    for name, aus in emotions.PROTOTYPES.items():
        assert CORE[name] <= set(aus), name
        assert set(aus) <= set(emotions.ACTION_UNITS), name
        assert all(0.0 < value <= 1.0 for value in aus.values()), name
        assert emotions.DESCRIPTIONS[name]
    # the optional AUs are weaker than the core ones
    assert emotions.PROTOTYPES["sad"][17] < emotions.PROTOTYPES["sad"][15]
    assert emotions.PROTOTYPES["angry"][24] < emotions.PROTOTYPES["angry"][23]


def test_variants_use_known_aus_and_known_expressions():
    for name, variants in emotions.VARIANTS.items():
        assert name in emotions.PROTOTYPES
        for aus in variants.values():
            assert set(aus) <= set(emotions.ACTION_UNITS), name
            assert all(0.0 < value <= 1.0 for value in aus.values()), name


def test_contempt_is_the_only_one_sided_prototype():
    assert emotions.UNILATERAL == {"contempt": {12: "right", 14: "right"}}
    codes = emotions.prototype_table().set_index("emotion")["aus"]
    assert codes["contempt"] == "R12+R14"
    assert codes["happy"] == "6+12" and codes["surprise"] == "1+2+5+26" and codes["neutral"] == "0"
    assert "one side" in emotions.DESCRIPTIONS["contempt"]


def test_facs_code_refuses_an_unknown_expression():
    with pytest.raises(InvalidInputError, match="No prototype for 'bored'"):
        emotions.facs_code("bored")
