"""Action units: detecting which facial movements a face shows, and how strongly (the action-units chapter).

An action unit (AU) is one visible muscle movement of the Facial Action Coding System
(:data:`fercourse.emotions.ACTION_UNITS`).  Detecting AUs is a *multi-label* problem:
any number can be present at once, so each AU gets its own yes/no answer (occurrence)
and its own strength on FACS's 0-5 scale (intensity, 0 = absent, 1-5 = levels A-E).

The data of this module is a :class:`fercourse.data.Dataset` whose table has, for every
AU it codes, an occurrence column ``AU12`` (0 or 1, NaN where the frame was not coded)
and, where intensity is coded, ``AU12_intensity`` (0-5).  The synthetic faces
(:func:`from_synthetic`) and the real loaders (``fercourse.data.load_disfa``,
``load_bp4d``) share it.  A face counts as showing an AU from intensity
:data:`OCCURRENCE_LEVEL` (B) on, the usual rule for DISFA.

The detectors, from the simplest:

* :class:`BlendshapeRules`: the written table :data:`BLENDSHAPES` from MediaPipe's 52
  blendshape scores to AUs, with one threshold per AU;
* :class:`AUDetector`: a learned map from any feature rows (the 52 blendshapes, or the
  mesh geometry of :func:`geometry_features`) to every AU, a logistic regression per
  AU for occurrence and a ridge regression for intensity;
* a small multi-label CNN on face crops (:func:`au_cnn`, trained with
  :func:`fercourse.train.fit` on ``(N, K)`` 0/1 targets);

and :func:`calibrate`, which subtracts each person's own reference face from their
features, as OpenFace's person-specific ("dynamic") models do.  :func:`scores` gives
the per-AU table the field reports (base rate, F1; ICC(3,1), PCC and MAE for
intensity), :func:`cooccurrence` how often AUs appear together, and
:func:`emotions_from_aus` reads an emotion from detected AUs with the prototype rules
of :data:`fercourse.emotions.PROTOTYPES`.  :class:`AUClassifier` puts a detector in
:class:`fercourse.live.Pipeline`, whose overlay then draws one bar per AU.

>>> import numpy as np
>>> mapping_table().set_index("au").loc[12, "blendshapes"]
'mouthSmileLeft, mouthSmileRight'
>>> emotions_from_aus(np.array([[1, 1], [0, 0]]), aus=(6, 12)).tolist()
['happy', 'neutral']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fercourse import metrics
from fercourse.dataset import Dataset
from fercourse.emotions import ACTION_UNITS, PROTOTYPES
from fercourse.errors import InvalidInputError
from fercourse.models import ClassifierBase

__all__ = [
    "AUS",
    "OCCURRENCE_LEVEL",
    "BLENDSHAPE_NAMES",
    "BLENDSHAPES",
    "column",
    "coded_aus",
    "mapping_table",
    "from_synthetic",
    "targets",
    "geometry_features",
    "calibrate",
    "BlendshapeRules",
    "AUDetector",
    "au_cnn",
    "scores",
    "cooccurrence",
    "emotions_from_aus",
    "AUClassifier",
]

#: The AUs the chapter detects on synthetic faces: every AU the generator renders that
#: detectors are commonly asked for (AU45, the blink, shows in a still face as closed eyes).
AUS = (1, 2, 4, 5, 6, 7, 9, 10, 12, 15, 17, 20, 23, 25, 26, 45)

#: An AU counts as present from this intensity on (0-5 scale; 2 is FACS level B).
OCCURRENCE_LEVEL = 2.0

#: MediaPipe's 52 blendshape names, in the order of ``FaceMesh.blendshape_vector()``.
BLENDSHAPE_NAMES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
    "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft",
    "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft",
    "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft",
    "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight",
)

#: Which blendshapes stand for which AU (the blendshapes follow Apple's ARKit set, which
#: was drawn up with FACS in mind, but not one to one).  An empty tuple: no blendshape
#: measures that AU.  The note says how close the match is.
BLENDSHAPES: dict[int, tuple[tuple[str, ...], str]] = {
    1: (("browInnerUp",), "one score for both inner brows"),
    2: (("browOuterUpLeft", "browOuterUpRight"), "close"),
    4: (("browDownLeft", "browDownRight"), "close; the knitting of the brows is not scored apart"),
    5: (("eyeWideLeft", "eyeWideRight"), "close"),
    6: (("cheekSquintLeft", "cheekSquintRight"), "close"),
    7: (("eyeSquintLeft", "eyeSquintRight"), "partly: squinting mixes AU6 and AU7"),
    9: (("noseSneerLeft", "noseSneerRight"), "close"),
    10: (("mouthUpperUpLeft", "mouthUpperUpRight"), "close"),
    12: (("mouthSmileLeft", "mouthSmileRight"), "close"),
    14: (("mouthDimpleLeft", "mouthDimpleRight"), "close"),
    15: (("mouthFrownLeft", "mouthFrownRight"), "close"),
    17: (("mouthShrugLower",), "close: the chin pushes the lower lip up"),
    20: (("mouthStretchLeft", "mouthStretchRight"), "close"),
    23: ((), "none: no blendshape tightens the lips' red parts (mouthPress is AU24, mouthPucker AU18)"),
    24: (("mouthPressLeft", "mouthPressRight"), "close"),
    25: (("jawOpen",), "indirect: lips part with the jaw, so AU25 and AU26 share one score"),
    26: (("jawOpen",), "close"),
    45: (("eyeBlinkLeft", "eyeBlinkRight"), "close (a still face shows closed eyes)"),
}


def column(au: int) -> str:
    """The occurrence column of an AU: ``column(1) == "AU01"`` (its intensity column adds ``_intensity``).

    Parameters
    ----------
    au : int
        The AU number.

    Returns
    -------
    str
    """
    return f"AU{int(au):02d}"


def coded_aus(dataset: Dataset) -> tuple[int, ...]:
    """The AUs whose occurrence ``dataset`` codes (its ``AUnn`` columns with at least one known value).

    Parameters
    ----------
    dataset : Dataset
        Data in this module's table format.

    Returns
    -------
    tuple of int
        AU numbers in ascending order.
    """
    found = []
    for name in dataset.table.columns:
        if len(name) == 4 and name.startswith("AU") and name[2:].isdigit() and dataset.table[name].notna().any():
            found.append(int(name[2:]))
    return tuple(sorted(found))


def mapping_table(aus=AUS) -> pd.DataFrame:
    """The blendshape-to-AU table in words: ``au``, ``name``, ``blendshapes``, ``match``.

    Parameters
    ----------
    aus : sequence of int
        The AUs to list.

    Returns
    -------
    pandas.DataFrame
        One row per AU.
    """
    rows = []
    for au in aus:
        shapes, note = BLENDSHAPES.get(au, ((), "not in the table"))
        rows.append((au, ACTION_UNITS[au].name, ", ".join(shapes) or "-", note))
    return pd.DataFrame(rows, columns=["au", "name", "blendshapes", "match"])


def from_synthetic(dataset: Dataset, aus=AUS) -> Dataset:
    """Synthetic faces (:func:`fercourse.synth.au_faces` or :func:`~fercourse.synth.faces`) in this module's format.

    The generator's AU intensities in [0, 1] become FACS's 0-5 scale (times 5) in
    ``AUnn_intensity``, and ``AUnn`` is 1 from :data:`OCCURRENCE_LEVEL` on.

    Parameters
    ----------
    dataset : Dataset
        Generated faces with the generator's ``AUnn`` columns.
    aus : sequence of int
        The AUs to keep.

    Returns
    -------
    Dataset
        The same samples and extras; the table's AU columns replaced.
    """
    table = dataset.table.copy()
    missing = [column(au) for au in aus if column(au) not in table]
    if missing:
        raise InvalidInputError(f"from_synthetic: the table has no column(s) {missing}; pass generated faces.")
    generated = [c for c in table.columns if len(c) == 4 and c.startswith("AU") and c[2:].isdigit()]
    intensity = {f"{column(au)}_intensity": (5.0 * table[column(au)]).round(3) for au in aus}
    table = table.drop(columns=generated)
    for au in aus:
        values = intensity[f"{column(au)}_intensity"]
        table[column(au)] = (values >= OCCURRENCE_LEVEL).astype(np.float64)
        table[f"{column(au)}_intensity"] = values
    result = Dataset(dataset.name, dataset.kind, dataset.labels, dataset.samples, table, dict(dataset.extras))
    result.description = dataset.description
    return result


def targets(dataset: Dataset, aus, intensity: bool = False) -> np.ndarray:
    """The ``(N, K)`` occurrence (or intensity) matrix of ``aus``, NaN where a frame was not coded.

    Parameters
    ----------
    dataset : Dataset
        Data in this module's format.
    aus : sequence of int
        The AUs, in the order of the columns.
    intensity : bool
        Intensities (0-5) instead of occurrence (0/1).

    Returns
    -------
    numpy.ndarray
        ``(N, K)`` float64.
    """
    names = [column(au) + ("_intensity" if intensity else "") for au in aus]
    missing = [n for n in names if n not in dataset.table]
    if missing:
        raise InvalidInputError(f"targets: {dataset.name!r} does not code {', '.join(missing)}.")
    return dataset.table[names].to_numpy(np.float64)


def geometry_features(landmarks) -> np.ndarray:
    """Shape features of each face's mesh that ignore its place and size (chapter 04's geometry).

    Every landmark's distance to the nose tip, the named distances and angles of
    :class:`fercourse.features.LandmarkGeometry`, all scaled by the inter-ocular distance.

    Parameters
    ----------
    landmarks : array_like
        ``(N, 478, 2|3)`` meshes.

    Returns
    -------
    numpy.ndarray
        ``(N, 498)``.
    """
    from fercourse.features import LandmarkGeometry

    return LandmarkGeometry().fit_transform(landmarks)


def calibrate(features, subjects, reference=None) -> np.ndarray:
    """Each person's features minus their own reference: person-specific normalisation.

    The reference is the mean of the person's rows marked in ``reference`` (their
    neutral faces), or, without ``reference``, the median of all their rows, which
    is close to their neutral face when most of their frames show no strong
    expression (OpenFace's dynamic models make this assumption).  What is left is
    what the face *moved*, not how the person's face is built.

    Parameters
    ----------
    features : array_like
        ``(N, D)`` feature rows.
    subjects : array_like
        ``(N,)`` the person of each row.
    reference : array_like of bool, optional
        ``(N,)`` rows that show the person at rest; every person needs one.

    Returns
    -------
    numpy.ndarray
        ``(N, D)`` float64.
    """
    x = np.asarray(features, dtype=np.float64)
    who = np.asarray(subjects).astype(str)
    if x.ndim != 2 or len(who) != len(x):
        raise InvalidInputError(f"calibrate: need (N, D) features and one subject per row, got {x.shape} and {who.shape}.")
    rest = None if reference is None else np.asarray(reference, dtype=bool)
    if rest is not None and rest.shape != who.shape:
        raise InvalidInputError("calibrate: reference must mark each row (one bool per row).")
    out = np.empty_like(x)
    for person in np.unique(who):
        rows = who == person
        if rest is None:
            base = np.median(x[rows], axis=0)
        else:
            if not (rest & rows).any():
                raise InvalidInputError(
                    f"calibrate: person {str(person)!r} has no reference (neutral) row; record one, or pass "
                    "reference=None to use the median of their rows."
                )
            base = x[rest & rows].mean(axis=0)
        out[rows] = x[rows] - base
    return out


def _check_rows(x, y, caller: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise InvalidInputError(f"{caller}: need (N, D) features and (N, K) targets, got {x.shape} and {y.shape}.")
    if not np.isfinite(x).all():
        raise InvalidInputError(f"{caller}: the features contain NaN or infinite values (a face not found?).")
    return x, y


class BlendshapeRules:
    """AUs read off the blendshapes by the written table :data:`BLENDSHAPES`, one threshold per AU.

    An AU's score is the mean of its blendshapes.  :meth:`fit` picks, per AU, the
    threshold with the best F1 on the training faces, and a straight line from the
    score to the 0-5 intensity.  AUs without a blendshape are never detected.

    Parameters
    ----------
    aus : sequence of int
        The AUs to detect, in output order.
    """

    def __init__(self, aus=AUS):
        self.aus = tuple(int(a) for a in aus)
        self.columns = [[BLENDSHAPE_NAMES.index(n) for n in BLENDSHAPES.get(au, ((),))[0]] for au in self.aus]

    def score(self, blendshapes) -> np.ndarray:
        """The raw score of every AU: the mean of its blendshapes (0 without any).

        Parameters
        ----------
        blendshapes : array_like
            ``(N, 52)`` scores.

        Returns
        -------
        numpy.ndarray
            ``(N, K)``.
        """
        b = np.asarray(blendshapes, dtype=np.float64)
        if b.ndim != 2 or b.shape[1] != len(BLENDSHAPE_NAMES):
            raise InvalidInputError(f"BlendshapeRules: need (N, 52) blendshape scores, got shape {b.shape}.")
        return np.stack([b[:, cols].mean(1) if cols else np.zeros(len(b)) for cols in self.columns], axis=1)

    def fit(self, blendshapes, occurrence, intensity=None):
        """Choose each AU's threshold (best F1 on these faces) and its score-to-intensity line.

        Parameters
        ----------
        blendshapes : array_like
            ``(N, 52)``.
        occurrence : array_like
            ``(N, K)`` 0/1 (NaN: unknown).
        intensity : array_like, optional
            ``(N, K)`` 0-5.

        Returns
        -------
        BlendshapeRules
            Itself.
        """
        s, y = _check_rows(self.score(blendshapes), occurrence, "BlendshapeRules.fit")
        self.thresholds_ = np.full(len(self.aus), np.inf)
        self.lines_ = np.zeros((len(self.aus), 2))
        for k, cols in enumerate(self.columns):
            known = np.isfinite(y[:, k])
            if not cols or not known.any():
                continue
            candidates = np.unique(np.quantile(s[known, k], np.linspace(0.02, 0.98, 49)))
            f1 = [metrics.label_f1(y[known, k], s[known, k] >= t)[0] for t in candidates]
            if np.isfinite(f1).any():
                self.thresholds_[k] = candidates[int(np.nanargmax(f1))]
            if intensity is not None:
                level = np.asarray(intensity, dtype=np.float64)[:, k]
                ok = np.isfinite(level)
                if ok.sum() > 1 and s[ok, k].std() > 0:
                    self.lines_[k] = np.polyfit(s[ok, k], level[ok], 1)
        return self

    def predict(self, blendshapes) -> np.ndarray:
        """``(N, K)`` 0/1: each AU's score at or above its threshold."""
        return (self.score(blendshapes) >= self.thresholds_).astype(np.int64)

    def predict_intensity(self, blendshapes) -> np.ndarray:
        """``(N, K)`` intensities on the 0-5 scale from each AU's line (0 without a blendshape)."""
        s = self.score(blendshapes)
        return np.clip(s * self.lines_[:, 0] + self.lines_[:, 1], 0.0, 5.0)


class AUDetector:
    """A learned multi-label AU detector on any feature rows: one model per AU.

    Per AU, the features (standardised) go into a logistic regression with balanced
    class weights for occurrence, and into a ridge regression for intensity.  Rows
    whose label is unknown (NaN) are left out of that AU's fit only.

    Parameters
    ----------
    aus : sequence of int
        The AUs, in the order of the target columns.
    C : float
        Inverse regularisation strength of the logistic regressions.
    alpha : float
        Regularisation strength of the ridge regressions.
    """

    def __init__(self, aus=AUS, C: float = 0.1, alpha: float = 10.0):
        self.aus, self.C, self.alpha = tuple(int(a) for a in aus), float(C), float(alpha)

    def fit(self, features, occurrence, intensity=None):
        """Fit one occurrence model (and one intensity model) per AU.

        Parameters
        ----------
        features : array_like
            ``(N, D)``.
        occurrence : array_like
            ``(N, K)`` 0/1, NaN for unknown.
        intensity : array_like, optional
            ``(N, K)`` 0-5, NaN for unknown.

        Returns
        -------
        AUDetector
            Itself.
        """
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.preprocessing import StandardScaler

        x, y = _check_rows(features, occurrence, "AUDetector.fit")
        if y.shape[1] != len(self.aus):
            raise InvalidInputError(f"AUDetector.fit: {y.shape[1]} target columns for {len(self.aus)} AUs.")
        self.scaler_ = StandardScaler().fit(x)
        z = self.scaler_.transform(x)
        self.occurrence_, self.intensity_ = [], []
        for k in range(len(self.aus)):
            known = np.isfinite(y[:, k])
            labels = y[known, k]
            if len(np.unique(labels)) < 2:  # nothing to tell apart: answer the one value seen
                self.occurrence_.append(float(labels[0]) if len(labels) else 0.0)
            else:
                model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
                self.occurrence_.append(model.fit(z[known], labels.astype(int)))
        if intensity is not None:
            level = np.asarray(intensity, dtype=np.float64)
            for k in range(len(self.aus)):
                known = np.isfinite(level[:, k])
                self.intensity_.append(Ridge(alpha=self.alpha).fit(z[known], level[known, k]) if known.sum() > 1 else None)
        return self

    def _z(self, features) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.scaler_.n_features_in_:
            raise InvalidInputError(
                f"AUDetector: expected (N, {self.scaler_.n_features_in_}) features as in fit, got {x.shape}."
            )
        if not np.isfinite(x).all():
            raise InvalidInputError("AUDetector: the features contain NaN or infinite values (a face not found?).")
        return self.scaler_.transform(x)

    def predict_proba(self, features) -> np.ndarray:
        """``(N, K)`` probability that each AU is present (independent, not summing to 1)."""
        z = self._z(features)
        return np.stack([m.predict_proba(z)[:, 1] if hasattr(m, "predict_proba") else np.full(len(z), m)
                         for m in self.occurrence_], axis=1)

    def predict(self, features) -> np.ndarray:
        """``(N, K)`` 0/1: present where the probability is at least one half."""
        return (self.predict_proba(features) >= 0.5).astype(np.int64)

    def predict_intensity(self, features) -> np.ndarray:
        """``(N, K)`` intensities on the 0-5 scale (needs intensities in :meth:`fit`)."""
        if not self.intensity_:
            raise InvalidInputError("AUDetector: fit it with intensity= to predict intensities.")
        z = self._z(features)
        return np.stack([np.clip(m.predict(z), 0.0, 5.0) if m is not None else np.zeros(len(z))
                         for m in self.intensity_], axis=1)


def au_cnn(n_aus: int, input_size: int = 48, name: str = "simple"):
    """A small CNN with one output per AU, for :func:`fercourse.train.fit` on ``(N, K)`` 0/1 targets.

    It is one of chapter 05's architectures (:func:`fercourse.cnn.build`) with ``n_aus``
    outputs; ``fit`` sees the 2-D targets, trains one sigmoid per AU and marks the model
    multi-label, so :func:`fercourse.train.predict_proba` gives per-AU probabilities.

    Parameters
    ----------
    n_aus : int
        Number of AUs (outputs).
    input_size : int
        Side of the grey square crops.
    name : str
        The architecture, a key of :data:`fercourse.cnn.ARCHITECTURES`.

    Returns
    -------
    torch.nn.Module
    """
    from fercourse import cnn

    model = cnn.build(name, n_classes=int(n_aus), input_size=int(input_size))
    model.multilabel = True
    return model


def scores(occurrence_true, occurrence_pred, aus, intensity_true=None, intensity_pred=None) -> pd.DataFrame:
    """The per-AU table the field reports, with a ``mean`` row.

    Columns: ``base rate`` (share of coded frames with the AU), ``F1`` (of occurrence,
    :func:`fercourse.metrics.label_f1`) and, with intensities, ``ICC``
    (:func:`fercourse.metrics.icc`, ICC(3,1)), ``PCC`` and ``MAE`` on the 0-5 scale.
    A detector that answered "present" for every face would score an F1 of
    ``2 * rate / (1 + rate)``; the base rate is there to compare with.

    Parameters
    ----------
    occurrence_true, occurrence_pred : array_like
        ``(N, K)`` 0/1 (NaN in the truth: not coded).
    aus : sequence of int
        The AUs of the columns.
    intensity_true, intensity_pred : array_like, optional
        ``(N, K)`` intensities 0-5.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``AU1``, ``AU2``, ... and ``mean``.
    """
    truth = np.asarray(occurrence_true, dtype=np.float64)
    table = pd.DataFrame(index=[f"AU{au}" for au in aus])
    table["base rate"] = np.nanmean(truth, axis=0)
    table["F1"] = metrics.label_f1(truth, occurrence_pred)
    if intensity_true is not None and intensity_pred is not None:
        a, b = np.asarray(intensity_true, dtype=np.float64), np.asarray(intensity_pred, dtype=np.float64)
        table["ICC"] = [metrics.icc(a[:, k], b[:, k]) for k in range(len(aus))]
        table["PCC"] = [metrics.pcc(a[:, k], b[:, k]) for k in range(len(aus))]
        table["MAE"] = [metrics.mae(a[:, k], b[:, k]) for k in range(len(aus))]
    table.loc["mean"] = table.mean(skipna=True)
    return table


def cooccurrence(occurrence, aus) -> pd.DataFrame:
    """How often AU ``j`` is present when AU ``i`` is: ``P(j | i)``, rows ``i``, columns ``j``.

    Parameters
    ----------
    occurrence : array_like
        ``(N, K)`` 0/1 (NaN: not coded; such pairs are left out).
    aus : sequence of int
        The AUs of the columns.

    Returns
    -------
    pandas.DataFrame
        ``(K, K)``; the diagonal is 1 (NaN for an AU that never occurs).
    """
    y = np.asarray(occurrence, dtype=np.float64)
    names = [f"AU{au}" for au in aus]
    out = np.full((len(aus), len(aus)), np.nan)
    for i in range(len(aus)):
        for j in range(len(aus)):
            both = np.isfinite(y[:, i]) & np.isfinite(y[:, j]) & (y[:, i] > 0.5)
            if both.any():
                out[i, j] = (y[both, j] > 0.5).mean()
    return pd.DataFrame(out, index=names, columns=names)


def emotions_from_aus(occurrence, aus, emotions=None) -> np.ndarray:
    """An emotion read from detected AUs with the prototype rules (EMFACS-style).

    Each expression's prototype (:data:`fercourse.emotions.PROTOTYPES`, restricted to
    the AUs the detector knows) is compared with the AUs found: the expression whose
    prototype overlaps most with them (Jaccard index, shared AUs over all AUs of
    either) wins; a face with no AU is ``neutral``, and so is one that shares no AU
    with any prototype.  Ties go to the first expression in ``emotions``.

    Parameters
    ----------
    occurrence : array_like
        ``(N, K)`` 0/1 detected AUs.
    aus : sequence of int
        The AUs of the columns.
    emotions : sequence of str, optional
        The expressions to choose among (default: every prototype except neutral and contempt
        that has an AU among ``aus``).

    Returns
    -------
    numpy.ndarray
        ``(N,)`` expression names.
    """
    y = np.asarray(occurrence, dtype=np.float64) > 0.5
    if y.ndim != 2 or y.shape[1] != len(aus):
        raise InvalidInputError(f"emotions_from_aus: need (N, {len(aus)}) detections, got shape {y.shape}.")
    names = [e for e in (emotions or PROTOTYPES) if e in PROTOTYPES and e not in ("neutral", "contempt")]
    known = set(int(a) for a in aus)
    patterns = np.array([[au in PROTOTYPES[e] for au in aus] for e in names], dtype=bool)
    unseen = [e for e, p in zip(names, patterns) if not p.any()]
    if unseen and emotions is None and len(unseen) < len(names):  # by default, leave out those it cannot see
        names, patterns = [e for e in names if e not in unseen], patterns[patterns.any(1)]
    elif unseen:
        raise InvalidInputError(f"emotions_from_aus: none of the prototype AUs of {unseen} is among {sorted(known)}.")
    shared = (y[:, None, :] & patterns[None]).sum(2)
    either = (y[:, None, :] | patterns[None]).sum(2)
    jaccard = shared / np.maximum(either, 1)
    best = jaccard.argmax(1)
    return np.where(shared.max(1) > 0, np.asarray(names, dtype=object)[best], "neutral").astype(str)


class AUClassifier(ClassifierBase):
    """An AU detector as a classifier of :class:`fercourse.live.Face` objects, for the live pipeline.

    Each face's feature row (by default its 52 blendshape scores) goes to the
    detector; the "probabilities" are the AUs' intensities divided by 5 (or their
    occurrence probabilities with ``intensity=False``), one independent value per AU,
    which the live overlay draws as bars (``live.demo(..., bars=True)``).

    Parameters
    ----------
    detector : AUDetector or BlendshapeRules
        A fitted detector.
    feature : callable, optional
        ``feature(face) -> 1-D array``; default the face's blendshape vector.
    intensity : bool
        Report intensities / 5 (``True``) or occurrence probabilities.
    """

    def __init__(self, detector, feature=None, intensity: bool = True):
        if not hasattr(detector, "aus"):
            raise InvalidInputError("AUClassifier needs a fitted AUDetector or BlendshapeRules.")
        self.detector, self.intensity = detector, bool(intensity)
        self.feature = feature or (lambda f: f.mesh.blendshape_vector())
        self.classes = tuple(f"AU{au}" for au in detector.aus)

    def predict_proba(self, faces) -> np.ndarray:
        """``(len(faces), K)`` values in [0, 1], one per AU."""
        rows = np.stack([np.asarray(self.feature(f), dtype=np.float64).ravel() for f in faces])
        if self.intensity:
            return np.clip(self.detector.predict_intensity(rows) / 5.0, 0.0, 1.0)
        if hasattr(self.detector, "predict_proba"):
            return self.detector.predict_proba(rows)
        return self.detector.predict(rows).astype(np.float64)
