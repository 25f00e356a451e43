"""The chapter's PyTorch networks for clips, and :data:`MODELS`, their registry."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fercourse import mesh
from fercourse._env import torch as _torch_module
from fercourse.checks import count as _count
from fercourse.checks import pixel_values
from fercourse.errors import InvalidInputError
from fercourse.models import Registry

torch = _torch_module()  # PyTorch set up for deterministic numerics (fercourse._env)
nn = torch.nn

__all__ = ["clip_tensor", "ConvLSTMCell", "ConvLSTM", "CNNLSTM", "C3D", "MicroX", "FlowNet", "MODELS", "build"]


def clip_tensor(clips) -> torch.Tensor:
    """Grey clips as the tensor the clip networks read: ``(N, T, 1, S, S)`` float32 in [0, 1].

    Parameters
    ----------
    clips : numpy.ndarray or torch.Tensor
        ``(N, T, S, S)`` or ``(N, T, 1, S, S)`` grey windows: ``uint8`` (0..255, divided
        by 255) or floats already in [0, 1].

    Returns
    -------
    torch.Tensor
        ``(N, T, 1, S, S)`` float32.

    Examples
    --------
    >>> x = clip_tensor(np.full((2, 10, 32, 32), 255, np.uint8))
    >>> tuple(x.shape), float(x.max())
    ((2, 10, 1, 32, 32), 1.0)
    """
    x = clips.float() if isinstance(clips, torch.Tensor) else None
    if x is not None and clips.is_floating_point():
        pixel_values(clips.detach().cpu().numpy(), "clips")
    if x is None:
        array = np.asarray(clips)
        if not np.issubdtype(array.dtype, np.number) or array.size == 0:
            raise InvalidInputError(f"clips must be a non-empty numeric array, got {array.dtype} {array.shape}.")
        array = pixel_values(array, "clips")  # floats in [0, 1]; other integers 0..255 as uint8
        x = torch.from_numpy(np.ascontiguousarray(array)).float()
        if array.dtype == np.uint8:
            x = x / 255.0
    if x.ndim == 4:
        x = x[:, :, None]
    if x.ndim != 5 or x.shape[2] != 1:
        raise InvalidInputError(
            f"clips must be grey windows (N, T, S, S) or (N, T, 1, S, S), got shape {tuple(x.shape)}; "
            "make them with temporal.windows."
        )
    return x


class _ClipNet(nn.Module):
    """Common base: logits ``(N, n_classes)``; ``input_tensors`` prepares what ``forward`` takes
    (:func:`fercourse.train.fit` and :func:`~fercourse.train.predict_proba` call it).
    ``relative=True`` (the default) feeds each window minus its first frame."""

    needs_features = False

    def __init__(self, n_classes: int, input_size: int, relative: bool = True):
        super().__init__()
        self.n_classes = _count(n_classes, "n_classes", 2)
        self.input_size = _count(input_size, "input_size", 8)
        self.relative = bool(relative)

    def _clip(self, x) -> torch.Tensor:
        """The window as a tensor; with ``relative``, minus its first frame, so that only what
        changed since the onset remains (the person's appearance cancels out)."""
        t = clip_tensor(x)
        return t - t[:, :1] if self.relative else t

    def input_tensors(self, x) -> list[torch.Tensor]:
        """The tensors ``forward`` takes, made from the model's inputs (here one window array).

        Parameters
        ----------
        x : numpy.ndarray or torch.Tensor
            Grey windows ``(N, T, S, S)``, as :func:`windows` makes them.

        Returns
        -------
        list of torch.Tensor
            One ``(N, T, 1, S, S)`` tensor (minus its first frame when ``relative``).
        """
        return [self._clip(x)]


class ConvLSTMCell(nn.Module):
    """One step of a convolutional LSTM (Shi et al., 2015, without peepholes).

    Like an LSTM cell, but the input, hidden and cell states are feature maps and
    every gate is a convolution over ``[x, h]``, so the memory keeps *where* things
    happen.  ``forward(x, state)`` with ``x`` ``(N, C, H, W)`` and ``state`` ``(h, c)``
    (zeros when ``None``) returns the new ``(h, c)``, each ``(N, hidden, H, W)``.

    Parameters
    ----------
    in_channels : int
        Channels of the input maps.
    hidden_channels : int
        Channels of the hidden and cell states.
    kernel_size : int
        Side of the gates' convolution (odd, so the maps keep their size).
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 3):
        super().__init__()
        self.hidden_channels = _count(hidden_channels, "hidden_channels")
        self.gates = nn.Conv2d(in_channels + hidden_channels, 4 * hidden_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_channels, *x.shape[2:])
            state = (zeros, zeros)
        h, c = state
        i, f, g, o = self.gates(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c


class ConvLSTM(nn.Module):
    """A :class:`ConvLSTMCell` run over time: ``(N, T, C, H, W)`` -> all hidden maps
    ``(N, T, hidden, H, W)`` and the last state ``(h, c)``.

    Parameters
    ----------
    in_channels : int
        Channels of each input frame.
    hidden_channels : int
        Channels of the hidden and cell states.
    kernel_size : int
        Side of the gates' convolution.
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 3):
        super().__init__()
        self.cell = ConvLSTMCell(in_channels, hidden_channels, kernel_size)

    def forward(self, x):
        if x.ndim != 5:
            raise InvalidInputError(f"ConvLSTM takes (N, T, C, H, W), got shape {tuple(x.shape)}.")
        state, outputs = None, []
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state


class CNNLSTM(_ClipNet):
    """One CNN shared by every frame (the Keras ``TimeDistributed`` idea), then an LSTM over
    the per-frame feature vectors; its last output is classified.

    The frame CNN is the convolutional part of :class:`fercourse.cnn.SimpleCNN`.

    Parameters
    ----------
    n_classes : int
        Classes to tell apart (at least 2).
    input_size : int
        Side of the square frames.
    width : int
        Filters of the frame CNN's first convolution (later ones have more).
    hidden : int
        Size of the LSTM's state.
    dropout : float
        Dropout rate before the classifier.
    relative : bool
        Feed each window minus its first frame.
    """

    def __init__(self, n_classes: int = 3, input_size: int = 32, width: int = 8, hidden: int = 32, dropout: float = 0.3,
                 relative: bool = True):
        super().__init__(n_classes, input_size, relative)
        from fercourse.cnn import SimpleCNN

        self.frame_cnn = nn.Sequential(SimpleCNN(n_classes, max(input_size, 32), width).features,
                                       nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.lstm = nn.LSTM(4 * width, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def forward(self, x):
        n, t = x.shape[:2]
        per_frame = self.frame_cnn(x.flatten(0, 1)).view(n, t, -1)
        out, _ = self.lstm(per_frame)
        return self.head(out[:, -1])


class C3D(_ClipNet):
    """A small 3-D CNN in the style of C3D (Tran et al.): 3 x 3 x 3 convolutions filter
    space and time together; the first pooling keeps time, later ones halve it.

    Parameters
    ----------
    n_classes : int
        Classes to tell apart (at least 2).
    input_size : int
        Side of the square frames.
    width : int
        Filters of the first convolution (then twice and four times as many).
    dropout : float
        Dropout rate before the classifier.
    relative : bool
        Feed each window minus its first frame.
    """

    def __init__(self, n_classes: int = 3, input_size: int = 32, width: int = 8, dropout: float = 0.3,
                 relative: bool = True):
        super().__init__(n_classes, input_size, relative)

        def block(c_in, c_out, pool):
            return [nn.Conv3d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm3d(c_out), nn.ReLU(inplace=True),
                    nn.MaxPool3d(pool)]

        c = [1, width, 2 * width, 4 * width]
        self.features = nn.Sequential(*block(c[0], c[1], (1, 2, 2)), *block(c[1], c[2], 2), *block(c[2], c[3], 2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(c[3], n_classes))

    def forward(self, x):
        return self.head(self.features(x.transpose(1, 2)))  # (N, T, 1, H, W) -> (N, 1, T, H, W)


class MicroX(_ClipNet):
    """MicroX: one ConvLSTM per face region, each seeing only its region, fused by one classifier.

    Inputs are the five crops of :func:`windows` (right eye, left eye, nose, mouth,
    full face), as a dict or in :data:`fercourse.mesh.CROP_REGIONS` order.  Each
    region gets a small strided convolution per frame (shared across time), a
    :class:`ConvLSTM`, and global pooling of its last hidden map; the region vectors
    are concatenated and classified.

    Parameters
    ----------
    n_classes : int
        Classes to tell apart (at least 2).
    input_size : int
        Side of the square crops.
    regions : sequence of str, optional
        The regions read, in input order; all of :data:`fercourse.mesh.CROP_REGIONS` by default.
    stem : int
        Filters of each region's convolution.
    hidden : int
        Channels of each region's ConvLSTM state.
    dropout : float
        Dropout rate before the classifier.
    relative : bool
        Feed each window minus its first frame.
    """

    def __init__(self, n_classes: int = 3, input_size: int = 32, regions: Sequence[str] | None = None,
                 stem: int = 8, hidden: int = 8, dropout: float = 0.3, relative: bool = True):
        super().__init__(n_classes, input_size, relative)
        self.regions = tuple(regions or mesh.CROP_REGIONS)
        self.stems = nn.ModuleList(
            nn.Sequential(nn.Conv2d(1, stem, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True))
            for _ in self.regions
        )
        self.memories = nn.ModuleList(ConvLSTM(stem, hidden) for _ in self.regions)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden * len(self.regions), n_classes))

    def input_tensors(self, x) -> list[torch.Tensor]:
        """One window tensor per region, from a dict of windows by region or a list in region order.

        Parameters
        ----------
        x : dict of str to numpy.ndarray, or list of numpy.ndarray
            Each region's ``(N, T, S, S)`` windows, as :func:`windows` makes them.

        Returns
        -------
        list of torch.Tensor
            One ``(N, T, 1, S, S)`` tensor per region, in :attr:`regions` order.
        """
        if isinstance(x, dict):
            missing = [r for r in self.regions if r not in x]
            if missing:
                raise InvalidInputError(f"MicroX needs crops of {list(self.regions)}; missing {missing}.")
            x = [x[r] for r in self.regions]
        if not isinstance(x, (list, tuple)) or len(x) != len(self.regions):
            raise InvalidInputError(f"MicroX takes one window array per region {list(self.regions)} (a dict or a list).")
        tensors = [self._clip(v) for v in x]
        if len({len(t) for t in tensors}) > 1:
            raise InvalidInputError("MicroX: the regions hold different numbers of clips.")
        return tensors

    def forward(self, *regions):
        vectors = []
        for x, stem, memory in zip(regions, self.stems, self.memories):
            n, t = x.shape[:2]
            maps = stem(x.flatten(0, 1))
            _, (h, _) = memory(maps.view(n, t, *maps.shape[1:]))
            vectors.append(h.mean(dim=(2, 3)))
        return self.head(torch.cat(vectors, dim=1))


class FlowNet(_ClipNet):
    """A shallow network on the onset-to-apex flow (:func:`flow_inputs`), after STSTNet.

    Three streams of one 3 x 3 convolution each (3, 5 and 8 filters) read the flow and
    strain maps side by side, are max-pooled, joined, average-pooled and classified
    by one linear layer: a few thousand weights, because the flow has already done the
    hard work of finding the motion.

    Parameters
    ----------
    n_classes : int
        Classes to tell apart (at least 2).
    input_size : int
        Side of the square flow maps.
    channels : int
        Input channels: 3 (flow and strain, as STSTNet) or 2 (flow only, as OFF-ApexNet).
    widths : tuple of int
        Filters of each stream.
    """

    def __init__(self, n_classes: int = 3, input_size: int = 28, channels: int = 3, widths=(3, 5, 8)):
        super().__init__(n_classes, input_size)
        self.channels = channels
        self.norm = nn.BatchNorm2d(channels)
        self.streams = nn.ModuleList(
            nn.Sequential(nn.Conv2d(channels, w, 3, padding=1), nn.ReLU(inplace=True), nn.BatchNorm2d(w),
                          nn.MaxPool2d(3, stride=3, padding=1))
            for w in widths
        )
        side = (input_size + 2 - 3) // 3 + 1
        side = side // 2
        self.head = nn.Sequential(nn.AvgPool2d(2), nn.Flatten(), nn.Linear(sum(widths) * side * side, n_classes))

    def input_tensors(self, x) -> list[torch.Tensor]:
        """The flow maps as one float32 tensor, checked against the network's channels and size.

        Parameters
        ----------
        x : numpy.ndarray or torch.Tensor
            ``(N, channels, input_size, input_size)`` flow maps from :func:`flow_inputs`.

        Returns
        -------
        list of torch.Tensor
            The one float32 tensor ``forward`` takes.
        """

        t = x.float() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x, dtype=np.float32))
        if t.ndim != 4 or t.shape[1] != self.channels or t.shape[2] != self.input_size:
            raise InvalidInputError(
                f"FlowNet takes flow maps (N, {self.channels}, {self.input_size}, {self.input_size}) from "
                f"temporal.flow_inputs, got shape {tuple(t.shape)}."
            )
        return [t]

    def forward(self, x):
        x = self.norm(x)
        return self.head(torch.cat([stream(x) for stream in self.streams], dim=1))


#: The chapter's networks by name (a :class:`fercourse.models.Registry` of their classes).
MODELS = Registry("model", {"cnn_lstm": CNNLSTM, "c3d": C3D, "microx": MicroX, "flow": FlowNet})


def build(name: str, n_classes: int = 3, input_size: int = 32, **options) -> nn.Module:
    """A fresh temporal network by name (one of :data:`MODELS`).

    Parameters
    ----------
    name : str
        ``"cnn_lstm"``, ``"c3d"``, ``"microx"`` or ``"flow"``.
    n_classes : int
        Classes to tell apart.
    input_size : int
        Side of the square inputs (crops or flow maps).
    **options
        Passed on to the network's class (``width=``, ``dropout=``, ...).

    Returns
    -------
    torch.nn.Module
        The untrained network.

    Examples
    --------
    >>> model = build("c3d", n_classes=3, input_size=16)
    >>> tuple(model(*model.input_tensors(np.zeros((2, 8, 16, 16), np.uint8))).shape)
    (2, 3)
    """

    return MODELS.build(name, n_classes=n_classes, input_size=input_size, **options)
