"""Emotion label sets of the course's datasets, FACS action units and expression prototypes.

Every dataset names its classes its own way: FER2013 and CK+ use numbers, JAFFE
two-letter codes, CASME II and SAMM English words (with classes such as
``repression`` that the posed datasets lack).  This module keeps those label sets,
maps them to the course's **canonical names** (FER2013's seven plus ``contempt``)
and to the three **MEGC** classes used to compare micro-expression datasets.

It also holds the facial action units (AUs) of the Facial Action Coding System that
the course uses, and one prototype AU combination per expression, which the
synthetic face generator (:mod:`fercourse.synth`) renders.

>>> to_canonical(3.0, "ckplus")
'disgust'
>>> to_megc("repression", "casme2")
'negative'
>>> PROTOTYPES["happy"]
{6: 0.7, 12: 1.0}
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from fercourse.errors import InvalidInputError

__all__ = [
    "FER2013_LABELS",
    "CANONICAL_LABELS",
    "CKPLUS_LABELS",
    "JAFFE_CODES",
    "CASME2_LABELS",
    "SAMM_LABELS",
    "SMIC_LABELS",
    "MEGC_LABELS",
    "DATASET_LABELS",
    "dataset_label",
    "to_canonical",
    "to_megc",
    "ActionUnit",
    "ACTION_UNITS",
    "au_table",
    "PROTOTYPES",
    "UNILATERAL",
    "DESCRIPTIONS",
    "VARIANTS",
    "facs_code",
    "prototype_table",
]

# ------------------------------------------------------------------ label sets

#: FER2013's classes, in the index order of its ``emotion`` column (0 = angry ... 6 = neutral).
FER2013_LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: The course's expression names: FER2013's seven in their order, then ``contempt`` (index 7).
CANONICAL_LABELS: tuple[str, ...] = FER2013_LABELS + ("contempt",)

#: CK+ emotion codes 0..7 (the number in each ``*_emotion.txt``), as canonical names.
CKPLUS_LABELS: tuple[str, ...] = ("neutral", "angry", "contempt", "disgust", "fear", "happy", "sad", "surprise")

#: JAFFE's expression codes (the second part of a file name such as ``KA.AN1.39.tiff``).
JAFFE_CODES: dict[str, str] = {
    "NE": "neutral",
    "HA": "happy",
    "SA": "sad",
    "SU": "surprise",
    "AN": "angry",
    "DI": "disgust",
    "FE": "fear",
}

#: CASME II's "Estimated Emotion" values.
CASME2_LABELS: tuple[str, ...] = ("happiness", "disgust", "repression", "surprise", "fear", "sadness", "others")

#: SAMM's "Estimated Emotion" values (the sheet writes ``Other``; the course says ``others`` for both).
SAMM_LABELS: tuple[str, ...] = (
    "anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise", "others",
)

#: SMIC's three classes: the names of its class folders (its clip folders shorten them to ``ne``, ``po``, ``sur``).
SMIC_LABELS: tuple[str, ...] = ("negative", "positive", "surprise")

#: The three classes of the MEGC 2019 composite benchmark (CASME II + SAMM + SMIC).
MEGC_LABELS: tuple[str, ...] = ("negative", "positive", "surprise")

#: Each dataset's own label set, by the name the course gives the dataset.
DATASET_LABELS: dict[str, tuple[str, ...]] = {
    "fer2013": FER2013_LABELS,
    "ckplus": CKPLUS_LABELS,
    "jaffe": tuple(JAFFE_CODES),
    "casme2": CASME2_LABELS,
    "samm": SAMM_LABELS,
    "smic": SMIC_LABELS,
}

# Other spellings met in the wild, mapped to the dataset's own label.
_ALIASES: dict[str, dict[str, str]] = {
    "casme2": {"other": "others", "happy": "happiness", "sad": "sadness"},
    "samm": {"other": "others", "happy": "happiness", "sad": "sadness", "angry": "anger"},
    "smic": {"po": "positive", "ne": "negative", "sur": "surprise"},
}

# Dataset words that differ from the canonical names.
_CANONICAL_WORDS = {"happiness": "happy", "sadness": "sad", "anger": "angry"}

# The MEGC 2019 grouping: every negative emotion is "negative", happiness is "positive",
# surprise stays.  "others" (and "neutral") belong to no MEGC class.
_MEGC = {
    **{word: "negative" for word in ("angry", "anger", "contempt", "disgust", "fear", "sad", "sadness",
                                       "repression", "negative")},
    "happy": "positive",
    "happiness": "positive",
    "positive": "positive",
    "surprise": "surprise",
}


def _dataset_name(dataset: str) -> str:
    key = str(dataset).strip().lower().replace("+", "plus").replace(" ", "").replace("-", "")
    if key not in DATASET_LABELS:
        raise InvalidInputError(
            f"Unknown dataset {dataset!r}; the label sets the course knows are: {', '.join(DATASET_LABELS)}."
        )
    return key


def _as_code(label, dataset: str, count: int) -> int | None:
    """A numeric label (``3``, ``3.0``, ``'3.0000000e+00'``) as an int in ``range(count)``, else None."""
    if isinstance(label, bool):
        return None
    try:
        value = float(label)
    except (TypeError, ValueError):
        return None
    if math.isfinite(value) and value.is_integer() and 0 <= value < count:
        return int(value)
    raise InvalidInputError(
        f"{dataset} label {label!r} is not one of its codes 0..{count - 1} "
        f"({', '.join(f'{i} = {name}' for i, name in enumerate(DATASET_LABELS[dataset]))})."
    )


def dataset_label(label, dataset: str) -> str:
    """The dataset's own name for ``label``, accepting the forms its files use.

    FER2013 takes a code 0..6 or a class name, CK+ a code 0..7 (also as the text of an
    emotion file, ``'3.0000000e+00'``), JAFFE a two-letter code, CASME II / SAMM / SMIC
    their emotion words in any case.  CK+ codes come back as canonical names, JAFFE
    codes as upper-case codes.  An unknown label raises :class:`InvalidInputError`.

    Parameters
    ----------
    label : int, float or str
        The label as the dataset's files write it (surrounding spaces are ignored).
    dataset : str
        The dataset's name: ``"fer2013"``, ``"ckplus"`` (or ``"CK+"``), ``"jaffe"``,
        ``"casme2"``, ``"samm"`` or ``"smic"``.

    Returns
    -------
    str
        One of ``DATASET_LABELS[dataset]``.

    Raises
    ------
    InvalidInputError
        If the dataset or the label is unknown, or a numeric code is out of range.

    Examples
    --------
    >>> dataset_label("3.0000000e+00", "ckplus")
    'disgust'
    >>> dataset_label("Other", "samm")
    'others'
    """
    name = _dataset_name(dataset)
    own = DATASET_LABELS[name]
    if name in ("fer2013", "ckplus"):
        code = _as_code(label, name, len(own))
        if code is not None:
            return own[code]
    if isinstance(label, str):
        word = " ".join(label.split())
        word = word.upper() if name == "jaffe" else word.lower()
        word = _ALIASES.get(name, {}).get(word, word)
        if word in own:
            return word
    raise InvalidInputError(
        f"{name} label {label!r} is unknown; expected one of {', '.join(own)}"
        + (" (or their codes 0..%d)" % (len(own) - 1) if name in ("fer2013", "ckplus") else "")
        + ". Check the file it came from for a typo or a column mix-up."
    )


def to_canonical(label, dataset: str) -> str:
    """Map a dataset's label to the course's name (one of :data:`CANONICAL_LABELS`).

    ``repression`` and ``others`` (CASME II, SAMM) and SMIC's three classes have no
    counterpart among the posed expressions and raise :class:`InvalidInputError`;
    compare micro-expression datasets through :func:`to_megc` instead.

    Parameters
    ----------
    label : int, float or str
        The label in any form :func:`dataset_label` accepts.
    dataset : str
        The dataset's name (see :func:`dataset_label`).

    Returns
    -------
    str
        A canonical expression name.

    Raises
    ------
    InvalidInputError
        If the label is unknown or has no canonical counterpart.
    """
    name = _dataset_name(dataset)
    own = dataset_label(label, name)
    word = JAFFE_CODES[own] if name == "jaffe" else _CANONICAL_WORDS.get(own, own)
    if name == "smic" or word not in CANONICAL_LABELS:
        raise InvalidInputError(
            f"{name} label {own!r} has no counterpart among the course's expression names "
            f"({', '.join(CANONICAL_LABELS)}); compare micro-expression labels through the "
            "MEGC classes with to_megc(label, dataset)."
        )
    return word


def to_megc(label, dataset: str) -> str | None:
    """Map a dataset's label to a MEGC 2019 class (``negative``, ``positive``, ``surprise``).

    Negative emotions (anger, contempt, disgust, fear, sadness, repression) become
    ``negative``, happiness ``positive``, surprise ``surprise``.  Labels that MEGC leaves
    out (``others``, ``neutral``) give ``None``; unknown labels raise :class:`InvalidInputError`.

    Parameters
    ----------
    label : int, float or str
        The label in any form :func:`dataset_label` accepts.
    dataset : str
        The dataset's name (see :func:`dataset_label`).

    Returns
    -------
    str or None
        One of :data:`MEGC_LABELS`, or ``None`` for a label outside the MEGC classes.

    Raises
    ------
    InvalidInputError
        If the dataset or the label is unknown.
    """
    name = _dataset_name(dataset)
    own = dataset_label(label, name)
    return _MEGC.get(JAFFE_CODES[own] if name == "jaffe" else own)


# --------------------------------------------------------------- action units


@dataclass(frozen=True)
class ActionUnit:
    """One FACS action unit: its number, FACS name, the muscle(s) behind it, upper or lower face.

    Parameters
    ----------
    number : int
        The AU number (``12`` for the lip corner puller).
    name : str
        The FACS name.
    muscles : tuple of str
        The muscle(s) behind it.
    face_part : str
        ``"upper"`` (brows, lids, cheeks) or ``"lower"`` (nose, lips, chin, jaw).
    """

    number: int
    name: str
    muscles: tuple[str, ...]
    face_part: str  # "upper" (brows, lids, cheeks) or "lower" (nose, lips, chin, jaw)


def _au(number: int, name: str, part: str, *muscles: str) -> tuple[int, ActionUnit]:
    return number, ActionUnit(number, name, muscles, part)


#: The action units the course uses, by AU number (names and muscles as FACS lists them).
ACTION_UNITS: dict[int, ActionUnit] = dict(
    [
        _au(1, "Inner Brow Raiser", "upper", "frontalis, pars medialis"),
        _au(2, "Outer Brow Raiser", "upper", "frontalis, pars lateralis"),
        _au(4, "Brow Lowerer", "upper", "corrugator supercilii", "depressor supercilii", "procerus"),
        _au(5, "Upper Lid Raiser", "upper", "levator palpebrae superioris"),
        _au(6, "Cheek Raiser", "upper", "orbicularis oculi, pars orbitalis"),
        _au(7, "Lid Tightener", "upper", "orbicularis oculi, pars palpebralis"),
        _au(9, "Nose Wrinkler", "lower", "levator labii superioris alaeque nasi"),
        _au(10, "Upper Lip Raiser", "lower", "levator labii superioris"),
        _au(12, "Lip Corner Puller", "lower", "zygomaticus major"),
        _au(14, "Dimpler", "lower", "buccinator"),
        _au(15, "Lip Corner Depressor", "lower", "depressor anguli oris (triangularis)"),
        _au(16, "Lower Lip Depressor", "lower", "depressor labii inferioris"),
        _au(17, "Chin Raiser", "lower", "mentalis"),
        _au(20, "Lip Stretcher", "lower", "risorius", "platysma"),
        _au(23, "Lip Tightener", "lower", "orbicularis oris"),
        _au(24, "Lip Pressor", "lower", "orbicularis oris"),
        _au(25, "Lips Part", "lower", "depressor labii inferioris", "relaxation of mentalis and orbicularis oris"),
        _au(26, "Jaw Drop", "lower", "relaxation of masseter, temporalis and internal pterygoid"),
        _au(27, "Mouth Stretch", "lower", "lateral pterygoid", "digastric"),
        _au(43, "Eyes Closed", "upper", "relaxation of levator palpebrae superioris",
            "orbicularis oculi, pars palpebralis"),
        _au(45, "Blink", "upper", "relaxation of levator palpebrae superioris",
            "orbicularis oculi, pars palpebralis"),
    ]
)


def au_table() -> pd.DataFrame:
    """The action units as a table: ``au``, ``name``, ``muscles``, ``face_part``.

    Returns
    -------
    pandas.DataFrame
        One row per unit of :data:`ACTION_UNITS`, in AU order; ``muscles`` joins the
        muscle names with ``"; "``.
    """
    return pd.DataFrame(
        [(u.number, u.name, "; ".join(u.muscles), u.face_part) for u in ACTION_UNITS.values()],
        columns=["au", "name", "muscles", "face_part"],
    )


# ----------------------------------------------------------------- prototypes

#: Prototype AU combination of each expression: canonical name -> {AU number: intensity in [0, 1]}.
#: AUs that only often join the core pattern (17 in sadness, 24 in anger, 10 in disgust)
#: are included at a lower intensity.
PROTOTYPES: dict[str, dict[int, float]] = {
    "angry": {4: 1.0, 5: 0.6, 7: 0.8, 23: 0.8, 24: 0.5},
    "disgust": {9: 0.9, 10: 0.6, 15: 0.6, 16: 0.5},
    "fear": {1: 0.8, 2: 0.7, 4: 0.6, 5: 0.9, 7: 0.5, 20: 0.8, 26: 0.5},
    "happy": {6: 0.7, 12: 1.0},
    "sad": {1: 0.8, 4: 0.6, 15: 0.8, 17: 0.5},
    "surprise": {1: 0.9, 2: 0.9, 5: 0.8, 26: 0.8},
    "neutral": {},
    "contempt": {12: 0.6, 14: 0.7},
}

#: AUs that act on one side of the face only: expression -> {AU: side}.  The side is the
#: person's own (FACS "R"): on a frontal, unmirrored photo it shows on the image's left.
UNILATERAL: dict[str, dict[int, str]] = {"contempt": {12: "right", 14: "right"}}

#: What each prototype looks like on a face.
DESCRIPTIONS: dict[str, str] = {
    "angry": (
        "Brows pulled down and together, upper lids raised and lower lids tightened into a "
        "glare, lips pressed together or tightened into a squarish shape."
    ),
    "disgust": (
        "Nose wrinkled and upper lip lifted, which pushes the cheeks up and narrows the eyes; "
        "lip corners and lower lip pulled down."
    ),
    "fear": (
        "Brows lifted and at the same time drawn together, upper lids raised high while the "
        "lower lids tense, lips pulled back sideways, mouth a little open."
    ),
    "happy": (
        "Lip corners drawn back and upwards, cheeks lifted, wrinkles (crow's feet) at the "
        "outer eye corners."
    ),
    "sad": (
        "Inner ends of the brows lifted, lip corners turned down, chin boss pushed up so "
        "the lower lip pouts."
    ),
    "surprise": (
        "Brows lifted high into an arch, eyes opened wide so white shows above and below the "
        "iris, jaw hanging open with a relaxed mouth."
    ),
    "neutral": "No action unit active: the face at rest.",
    "contempt": (
        "One lip corner tightened and lifted on one side only, with a dimple beside it: the "
        "one asymmetric prototype."
    ),
}


def facs_code(emotion: str) -> str:
    """The prototype as a FACS string: ``'6+12'`` for happy, ``'R12+R14'`` for contempt, ``'0'`` for neutral.

    Parameters
    ----------
    emotion : str
        A key of :data:`PROTOTYPES` (case and surrounding spaces are ignored).

    Returns
    -------
    str
        The AU numbers in ascending order joined by ``+``, one-sided ones prefixed with
        ``R`` or ``L`` (:data:`UNILATERAL`).

    Raises
    ------
    InvalidInputError
        If there is no prototype for ``emotion``.

    Examples
    --------
    >>> facs_code("contempt")
    'R12+R14'
    """
    name = str(emotion).strip().lower()
    if name not in PROTOTYPES:
        raise InvalidInputError(
            f"No prototype for {emotion!r}; the course's expressions are {', '.join(PROTOTYPES)}."
        )
    prefix = {"right": "R", "left": "L"}
    sides = UNILATERAL.get(name, {})
    codes = [f"{prefix.get(sides.get(au), '')}{au}" for au in sorted(PROTOTYPES[name])]
    return "+".join(codes) or "0"  # FACS writes a face at rest as 0


def prototype_table() -> pd.DataFrame:
    """One row per expression: ``emotion``, ``aus`` (FACS string), ``description``.

    Returns
    -------
    pandas.DataFrame
        One row per key of :data:`PROTOTYPES`, ``aus`` from :func:`facs_code` and
        ``description`` from :data:`DESCRIPTIONS`.
    """
    return pd.DataFrame(
        [(name, facs_code(name), DESCRIPTIONS[name]) for name in PROTOTYPES],
        columns=["emotion", "aus", "description"],
    )


#: Alternative AU patterns that the same facial signs allow, by expression: the
#: synthetic generator draws a prototype or one of these.  Anger may show a squared,
#: open "shouting" mouth; disgust may bare the upper teeth; a smile may be open; fear's
#: mouth is often open with the lips stretched; sadness may pout with drooping lids.
VARIANTS: dict[str, dict[str, dict[int, float]]] = {
    "angry": {"shouting": {4: 1.0, 5: 0.7, 7: 0.7, 10: 0.8, 20: 0.4, 25: 1.0, 26: 0.5}},
    "disgust": {"teeth bared": {4: 0.4, 6: 0.4, 9: 1.0, 10: 1.0, 15: 0.5, 16: 0.5, 25: 0.7}},
    "fear": {"open mouth": {1: 0.9, 2: 0.6, 4: 0.6, 5: 1.0, 7: 0.4, 20: 0.9, 25: 0.8, 26: 0.5}},
    "happy": {"open smile": {6: 0.9, 12: 1.0, 25: 0.8, 26: 0.2}},
    "sad": {"pout": {1: 0.7, 4: 0.9, 15: 1.0, 17: 0.8, 43: 0.3}},
}
