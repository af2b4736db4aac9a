"""Benchmark: one epoch of MNIST training, 784-128-64-10 ReLU/softmax, Adam(lr=0.001), batch 64.

Contenders (each in its own worker process, so each one's peak memory is its own):
  nnbook-f32, nnbook-f64   the book's own loop: create_mini_batches + NeuralNetwork.train_step
  sklearn-f32, sklearn-f64 MLPClassifier(solver="adam"), one partial_fit (one epoch) per round
  torch-f32                PyTorch on the CPU, plain loop over pre-made tensors (skipped if absent)
Epochs alternate between contenders (round-robin), so machine noise hits all of them alike. Printed:
seconds per epoch (median/min/max), test accuracy after the same number of epochs, peak resident
memory, the ratios against the peers, float32 matmul throughput at this network's shapes and the
matmul-only lower bound of an epoch. Nothing is asserted: the figures are for people to read.

    python bench/mnist_mlp.py --epochs 5
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

SIZES = [784, 128, 64, 10]
BATCH, LR = 64, 0.001


def load(dtype):
    import nnbook
    (X, y), (Xt, yt) = nnbook.load_mnist(normalize=True, flatten=True)
    return X.astype(dtype), y, Xt.astype(dtype), yt


class NnbookWorker:
    def __init__(self, dtype, seed):
        import nnbook
        self.nnbook, self.dtype = nnbook, np.dtype(dtype)
        X, y, self.Xt, self.yt = load(self.dtype)
        self.X = np.ascontiguousarray(X.T)                          # (784, 60000): converted once
        self.Y = nnbook.one_hot(y, 10, dtype=self.dtype)             # (10, 60000)
        self.net = nnbook.NeuralNetwork(SIZES, "relu", "softmax", init="he", seed=seed, dtype=self.dtype)
        self.opt = nnbook.AdamOptimizer(learning_rate=LR)
        self.rng = np.random.default_rng(seed)

    def epoch(self):
        for Xb, Yb in self.nnbook.create_mini_batches(self.X, self.Y, BATCH, self.rng):
            self.net.train_step(Xb, Yb, self.opt)

    def accuracy(self):
        return float(np.mean(self.net.predict(self.Xt.T) == self.yt))


class SklearnWorker:
    def __init__(self, dtype, seed):
        import warnings
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        self.X, self.y, self.Xt, self.yt = load(np.dtype(dtype))
        self.clf = MLPClassifier(hidden_layer_sizes=tuple(SIZES[1:-1]), activation="relu", solver="adam",
                                 batch_size=BATCH, learning_rate_init=LR, alpha=0.0, shuffle=True,
                                 random_state=seed)
        self.classes = np.arange(10)

    def epoch(self):
        self.clf.partial_fit(self.X, self.y, classes=self.classes)   # one pass over shuffled data

    def accuracy(self):
        return float(self.clf.score(self.Xt, self.yt))


class TorchWorker:
    def __init__(self, dtype, seed):
        import torch
        self.torch = torch
        torch.manual_seed(seed)
        X, y, Xt, yt = load(np.float32)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        self.Xt, self.yt = torch.from_numpy(Xt), yt
        layers = []
        for i in range(len(SIZES) - 1):
            layers.append(torch.nn.Linear(SIZES[i], SIZES[i + 1]))
            if i < len(SIZES) - 2:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.loss = torch.nn.CrossEntropyLoss()
        self.gen = torch.Generator().manual_seed(seed)

    def epoch(self):
        perm = self.torch.randperm(self.X.shape[0], generator=self.gen)
        for s in range(0, self.X.shape[0], BATCH):
            i = perm[s:s + BATCH]
            self.opt.zero_grad()
            self.loss(self.model(self.X[i]), self.y[i]).backward()
            self.opt.step()

    def accuracy(self):
        with self.torch.no_grad():
            return float((self.model(self.Xt).argmax(1).numpy() == self.yt).mean())


WORKERS = {"nnbook-f32": (NnbookWorker, "float32"), "nnbook-f64": (NnbookWorker, "float64"),
           "sklearn-f32": (SklearnWorker, "float32"), "sklearn-f64": (SklearnWorker, "float64"),
           "torch-f32": (TorchWorker, "float32")}


def worker_main(name, seed):
    cls, dtype = WORKERS[name]
    w = cls(dtype, seed)
    reply = lambda obj: (sys.stdout.write(json.dumps(obj) + "\n"), sys.stdout.flush())
    reply({"ready": True})
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "epoch":
            t0 = time.perf_counter()
            w.epoch()
            reply({"seconds": time.perf_counter() - t0})
        elif cmd == "finish":
            reply({"accuracy": w.accuracy(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return "; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                         f"{i.get('num_threads')} threads)" for i in threadpool_info())
    except ImportError:
        return "threadpoolctl not installed"


def matmul_lower_bound(repeats=200):
    """Time the matrix products of one float32 training step at this network's shapes; return (s/epoch, GFLOP/s)."""
    rng = np.random.default_rng(0)
    f = np.float32
    Ws = [rng.standard_normal((SIZES[i + 1], SIZES[i])).astype(f) for i in range(3)]
    As = [rng.standard_normal((n, BATCH)).astype(f) for n in SIZES]
    flops = 0
    def step():
        for l in range(3):
            Ws[l] @ As[l]                       # forward Z = W A
            As[l + 1] @ As[l].T                 # backward dW = dZ A^T (dZ has A[l+1]'s shape)
            if l > 0:
                Ws[l].T @ As[l + 1]             # backward dA = W^T dZ (not needed for the input layer)
    for l in range(3):
        flops += 2 * SIZES[l + 1] * SIZES[l] * BATCH * (2 if l == 0 else 3)
    step()
    t0 = time.perf_counter()
    for _ in range(repeats):
        step()
    per_step = (time.perf_counter() - t0) / repeats
    n_steps = -(-60000 // BATCH)
    return per_step * n_steps, flops / per_step / 1e9, flops * n_steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--contenders", default=",".join(WORKERS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker_main(args.worker, args.seed)
    names = [n for n in args.contenders.split(",") if n]
    try:
        import torch  # noqa: F401
    except ImportError:
        if "torch-f32" in names:
            print("torch is not installed (pip install 'nnbook[bench]'): skipping the PyTorch contender")
            names.remove("torch-f32")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"BLAS: {blas_info()}")
    print("OPENBLAS_CORETYPE=" + os.environ.get("OPENBLAS_CORETYPE", "(unset)")
          + " OPENBLAS_L2_SIZE=" + os.environ.get("OPENBLAS_L2_SIZE", "(unset)"))
    procs = {}
    for n in names:
        p = subprocess.Popen([sys.executable, __file__, "--worker", n, "--seed", str(args.seed)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs[n] = p
        json.loads(p.stdout.readline())          # wait until its data is loaded
    times = {n: [] for n in names}
    for epoch in range(args.epochs):
        for n in names:                           # round robin: one epoch of each contender in turn
            p = procs[n]
            p.stdin.write("epoch\n"); p.stdin.flush()
            times[n].append(json.loads(p.stdout.readline())["seconds"])
        print(f"epoch {epoch + 1}: " + ", ".join(f"{n} {times[n][-1]:.2f}s" for n in names), flush=True)
    results = {}
    for n in names:
        p = procs[n]
        p.stdin.write("finish\n"); p.stdin.flush()
        results[n] = json.loads(p.stdout.readline())
        p.wait()
    lb, gflops, flop_epoch = matmul_lower_bound()
    print(f"\nwork per epoch: {flop_epoch / 1e9:.1f} GFLOP in matrix products "
          f"(forward WA, backward dZ A^T and W^T dZ; 60000 samples)")
    print(f"float32 matmul throughput at these shapes: {gflops:.1f} GFLOP/s -> lower bound {lb:.2f} s/epoch\n")
    print(f"{'contender':<12} {'median s':>9} {'min s':>7} {'max s':>7} {'test acc':>9} {'peak MB':>8}")
    med = {n: statistics.median(times[n]) for n in names}
    for n in names:
        print(f"{n:<12} {med[n]:9.2f} {min(times[n]):7.2f} {max(times[n]):7.2f} "
              f"{results[n]['accuracy']:9.4f} {results[n]['peak_mb']:8.0f}")
    print(f"(after {args.epochs} epochs each)\n")
    for mine in ("nnbook-f32", "nnbook-f64"):
        if mine not in med:
            continue
        for peer in ("sklearn-f32", "sklearn-f64", "torch-f32"):
            if peer in med:
                print(f"{mine} / {peer}: {med[mine] / med[peer]:.2f}")
        print(f"{mine} / matmul lower bound: {med[mine] / lb:.2f}")


if __name__ == "__main__":
    sys.exit(main())
