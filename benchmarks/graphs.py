"""Speed of chapter 06's graph networks: features, training, inference and the live pipeline.

    python benchmarks/graphs.py

Prints milliseconds per mesh for the node features and for each network's forward
pass, seconds per training epoch on 1,000 meshes, and the live pipeline's median
latency on the synthetic fallback clip with and without a graph network.  Timings
depend on the machine and its load; nothing is asserted.
"""

from __future__ import annotations

import time

import numpy as np
from timing import best_of



def main() -> None:
    start = time.perf_counter()
    import fercourse  # noqa: F401  (sets up tf.keras before TensorFlow loads)
    from fercourse import config, graph, live, synth

    print(f"import fercourse.graph (TensorFlow, Spektral, MediaPipe): {time.perf_counter() - start:.1f} s")
    config.seed_everything(0)
    meshes = synth.synthetic_meshes(1400, seed=0)
    print(f"1,400 synthetic meshes: {best_of(lambda: synth.synthetic_meshes(1400, seed=0), 1):.2f} s")
    points = meshes.samples[:1000]
    features_ms = 1000 * best_of(lambda: graph.node_features(points)) / len(points)
    print(f"node features: {features_ms:.3f} ms per mesh")

    train = graph.graphs(meshes, "train")
    val = graph.graphs(meshes, "val")
    rows = []
    for name in graph.ARCHITECTURES:
        model = graph.build(name)
        history = graph.fit(model, train, val, epochs=2)
        classifier = graph.MeshClassifier(model, meshes.labels)
        classifier.predict_proba(points[:256])
        forward_ms = 1000 * best_of(lambda c=classifier: c.predict_proba(points[:256])) / 256
        rows.append((name, graph.count_parameters(model), history["seconds"] / 2 * 1000 / len(train), forward_ms))
    print(f"{'network':>8} {'weights':>8} {'training, ms per mesh and epoch':>32} {'inference, ms per mesh':>23}")
    for name, weights, train_ms, forward_ms in rows:
        print(f"{name:>8} {weights:>8,} {train_ms:>32.2f} {forward_ms:>23.3f}")

    gcn = graph.MeshClassifier(graph.build("gcn"), meshes.labels)
    for label, classifier in (("landmarker only", False), ("landmarker + GCN", gcn)):
        pipe = live.Pipeline(classifier)
        result = live.demo(pipe, seconds=3, fps=10, seed=2, emotion="surprise")
        latency = np.median([r.latency_ms for r in result.readings[1:]])
        print(f"live pipeline, {label}: median {latency:.1f} ms per frame")
        pipe.close()


if __name__ == "__main__":
    main()
