"""Draw the pictures that stand in for the AU sliders on the static pages of chapters 01 and 02.

The sliders of ``synth.au_sliders`` need a running kernel; the book's web page has none, so it
shows what the sliders draw for the settings the text suggests.  Each panel is rendered exactly
as the widget renders it (same face, same appearance, same size); the sliders named in a
panel's title are at 1.00, all others at 0.  Run from the
repository root:

    .venv/bin/python book/images/make_au_slider_pictures.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from fercourse import synth  # noqa: E402

HERE = Path(__file__).resolve().parent

# The settings each chapter's text suggests (every other slider at 0).
PICTURES = {
    "au_sliders_ch01.png": [{}, {1: 1.0, 4: 1.0}, {6: 1.0, 12: 1.0}, {15: 1.0}, {26: 1.0}],
    "au_sliders_ch02.png": [{}, {6: 1.0, 12: 1.0}, {1: 1.0, 2: 1.0, 5: 1.0, 26: 1.0}],
}


def draw(settings, path: Path, size: int = 200) -> None:
    look = synth.Appearance(face_fraction=0.8)  # as in synth.au_sliders
    fig, axes = plt.subplots(1, len(settings), figsize=(2.2 * len(settings), 2.7))
    for ax, chosen in zip(axes, settings):
        image, _ = synth.render(synth.face_mesh(synth.Identity(), chosen), size=size, look=look, aus=chosen)
        ax.imshow(image)
        ax.set_axis_off()
        ax.set_title(" + ".join(f"AU{au}" for au in chosen) or "all sliders at 0", fontsize=12)
    fig.suptitle("named sliders at 1.00, all others at 0", fontsize=11, y=0.02, va="bottom")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    for name, settings in PICTURES.items():
        draw(settings, HERE / name)
        print("wrote", name)
