"""fercourse.realism: what the shipped real models make of the synthetic faces."""

import pytest

from fercourse import realism, synth
from fercourse.errors import InvalidInputError


def test_measure_realism_reports_both_models():
    data = synth.faces(14, size=160, color=True, seed=4, framing="portrait", occlusion_rate=0.0,
                       max_pose=(5.0, 5.0, 5.0), intensity=(0.9, 1.0), split=None)
    result = realism.measure_realism(data)
    assert result.images == 14 and result.found >= 12
    assert 0 < result.landmark_errors.mean() < 0.15
    assert result.confusion.to_numpy().sum() == 14 and result.confusion.shape == (7, 7)
    assert result.recall["neutral"] >= 0.5 and result.recall["happy"] >= 0.5
    assert "balanced accuracy" in result.summary()
    with pytest.raises(InvalidInputError, match="colour faces"):
        realism.measure_realism(synth.faces(7, size=32, split=None))
