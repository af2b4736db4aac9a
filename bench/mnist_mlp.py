"""Benchmark: MNIST training speed of nnbook against scikit-learn and PyTorch on the CPU.

The task of every contender: the 784-128-64-10 ReLU/softmax network, Adam (lr 0.001), batch 64, pixels in
[0, 1], the 60,000 MNIST training images; one epoch = one shuffled pass.

Contenders (each in its own worker process, so each one's peak memory is its own):
  nnbook-f32, nnbook-f64   the book's own loop (what `nnbook.fit` runs): create_mini_batches + train_step,
                           on X = X_rows.T, the (784, m) view of load_mnist's rows (samples contiguous)
  numpy-floor-f32          the same step as one flat hand-written NumPy loop (no classes, dicts or checks):
                           how fast NumPy itself can go, to tell nnbook's overhead from NumPy's
  sklearn-f32, sklearn-f64 MLPClassifier(solver="adam"), one partial_fit (= one shuffled epoch) per round
  torch-f32                PyTorch on the CPU, a plain loop over pre-made tensors (skipped if not installed)
Epochs alternate between the contenders (round robin), so machine noise hits all of them alike.

Printed: seconds per epoch (median/min/max, wall clock, and the worker's CPU time), test accuracy after the
same number of epochs (equal work), peak resident memory, the ratios against the peers (ratio of the medians,
and the median of the per-round ratios, which cancels slow drifts of a shared machine), the floating-point
work of one epoch, the machine's float32 matrix-multiply throughput at the network's shapes and the
resulting matmul-only lower bound of an epoch, and which BLAS runs with how many threads. Nothing is
asserted: the figures are for people to read (the README quotes them).

    python bench/mnist_mlp.py                       # 5 epochs of every contender
    python bench/mnist_mlp.py --threads 1           # BLAS (and torch) limited to one thread
    python bench/mnist_mlp.py --capstone            # the §3.7 capstone: 3 seeds x 20 epochs via nnbook.fit

`make bench` installs torch and runs it three times: with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as the environment
sets them, with both unset, and with one BLAS thread.
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

# The §3.7 capstone configuration (nbs/07_mnist.ipynb, "Training strategy"): keep the two in step.
CAPSTONE = dict(sizes=SIZES, dtype="float32", learning_rate=0.001, decay_rate=0.85, batch_size=64,
                patience=5, dropout=0.1, n_val=6000, split_seed=0)


def flops_per_sample(sizes=SIZES) -> int:
    """Multiply-adds x 2 of the matrix products of one training step, per sample.

    Forward Z = W A: 2 n_l n_{l-1} per layer; backward dW = dZ A^T: the same again; backward
    dA = W^T dZ: the same once more, except for the first layer (nobody needs dX).
    """
    layers = list(zip(sizes[:-1], sizes[1:]))
    return sum(2 * n_in * n_out * (2 if l == 0 else 3) for l, (n_in, n_out) in enumerate(layers))


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                     f"{i.get('num_threads')} threads)" for i in threadpool_info()) or "none found"


def limit_threads(n):
    """Limit the BLAS of this process to n threads (None: leave the library default)."""
    if n is None:
        return None
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=n)


def load(dtype, n_train=None):
    """MNIST as load_mnist gives it, samples in rows, in `dtype` (one conversion, no extra copy)."""
    import nnbook
    (X, y), (Xt, yt) = nnbook.load_mnist(normalize=True, flatten=True, dtype=dtype)
    if n_train:
        X, y = X[:n_train], y[:n_train]
    return X, y, Xt, yt


class NnbookWorker:
    def __init__(self, dtype, seed, n_train=None):
        import nnbook
        self.nnbook, self.dtype = nnbook, np.dtype(dtype)
        X_rows, y, self.Xt, self.yt = load(self.dtype, n_train)
        self.X = X_rows.T                                     # (784, m) view: each sample a contiguous column
        self.Y = nnbook.one_hot(y, 10, dtype=self.dtype)      # (10, m)
        self.net = nnbook.NeuralNetwork(SIZES, "relu", "softmax", init="he", seed=seed, dtype=self.dtype)
        self.opt = nnbook.AdamOptimizer(learning_rate=LR)
        self.rng = np.random.default_rng(seed)
        self.loss = nnbook.cross_entropy
        t0 = time.perf_counter()                              # what fit checks once before training
        self.nnbook.optim._check_targets(self.loss, nnbook.mlp._check_Y(self.net, self.Y, self.X.shape[1]))
        nnbook.mlp._check_X(self.net, self.X)
        self.validation_seconds = time.perf_counter() - t0

    def epoch(self):
        # fit's inner loop: X and Y were validated once (fit does it on entry), so each batch takes the
        # unchecked step; the public train_step would re-validate every batch
        for Xb, Yb in self.nnbook.create_mini_batches(self.X, self.Y, BATCH, self.rng):
            self.net._train_step(Xb, Yb, self.opt, self.loss)

    def accuracy(self):
        return float(np.mean(self.net.predict(self.Xt.T) == self.yt))


class FloorWorker:
    """The same training step as one flat, hand-written NumPy loop: no classes, no dicts, no checks, no
    cache, buffers reused. Not a library: it measures how fast this network can train in NumPy at all, so
    the gap between nnbook and its peers can be split into what nnbook's structure costs (nnbook / floor)
    and what NumPy itself costs (floor / peers)."""
    def __init__(self, dtype, seed, n_train=None):
        import nnbook
        self.dtype = np.dtype(dtype)
        self.X_rows, y, self.Xt, self.yt = load(self.dtype, n_train)
        self.Y_rows = np.eye(10, dtype=self.dtype)[y]                # one-hot, samples in rows
        net = nnbook.NeuralNetwork(SIZES, "relu", "softmax", init="he", seed=seed, dtype=self.dtype)
        self.theta = net._parameter_vector().copy()                 # the same initial weights as nnbook
        self.grad, self.M, self.V, self.buf = (np.zeros_like(self.theta) for _ in range(4))
        self.P, self.G, start = [], [], 0
        for k, A in net.parameters.items():                        # W1, b1, W2, b2, W3, b3 as views
            self.P.append(self.theta[start:start + A.size].reshape(A.shape))
            self.G.append(self.grad[start:start + A.size].reshape(A.shape))
            start += A.size
        self.ones = np.ones((BATCH, 1), dtype=self.dtype)
        self.rng, self.t = np.random.default_rng(seed), 0

    def adam(self, b1=0.9, b2=0.999, eps=1e-8):
        self.t += 1
        M, V, G, buf = self.M, self.V, self.grad, self.buf
        M *= b1; M += G
        V *= b2; np.multiply(G, G, out=buf); V += buf
        c = (1 - b2) ** 0.5 / (1 - b2 ** self.t) ** 0.5
        np.sqrt(V, out=buf); buf += eps / c; np.divide(M, buf, out=buf)
        buf *= LR * (1 - b1) / ((1 - b1 ** self.t) * c)
        self.theta -= buf

    def epoch(self):
        W1, b1, W2, b2, W3, b3 = self.P
        gW1, gb1, gW2, gb2, gW3, gb3 = self.G
        m = self.X_rows.shape[0]
        perm = self.rng.permutation(m)
        for s in range(0, m, BATCH):
            idx = perm[s:s + BATCH]
            X, Y = self.X_rows.take(idx, axis=0).T, self.Y_rows.take(idx, axis=0).T
            ones = self.ones[:X.shape[1]]
            Z1 = W1 @ X; Z1 += b1; A1 = np.maximum(Z1, 0)
            Z2 = W2 @ A1; Z2 += b2; A2 = np.maximum(Z2, 0)
            Z3 = W3 @ A2; Z3 += b3; Z3 -= Z3.max(axis=0)
            A3 = np.exp(Z3, out=Z3); A3 /= A3.sum(axis=0)
            loss = -np.vdot(Y, np.log(np.maximum(A3, np.finfo(self.dtype).tiny))) / X.shape[1]
            if not np.isfinite(loss):
                raise FloatingPointError("diverged")
            dZ = A3 - Y; dZ *= self.dtype.type(1 / X.shape[1])
            np.matmul(dZ, A2.T, out=gW3); np.matmul(dZ, ones, out=gb3)
            dZ = W3.T @ dZ; dZ *= Z2 > 0
            np.matmul(dZ, A1.T, out=gW2); np.matmul(dZ, ones, out=gb2)
            dZ = W2.T @ dZ; dZ *= Z1 > 0
            np.matmul(dZ, X.T, out=gW1); np.matmul(dZ, ones, out=gb1)
            self.adam()

    def accuracy(self):
        W1, b1, W2, b2, W3, b3 = self.P
        A = np.maximum(W1 @ self.Xt.T + b1, 0)
        A = np.maximum(W2 @ A + b2, 0)
        return float(np.mean(np.argmax(W3 @ A + b3, axis=0) == self.yt))


class SklearnWorker:
    def __init__(self, dtype, seed, n_train=None):
        import warnings
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        self.X, self.y, self.Xt, self.yt = load(np.dtype(dtype), n_train)
        self.clf = MLPClassifier(hidden_layer_sizes=tuple(SIZES[1:-1]), activation="relu", solver="adam",
                                 batch_size=BATCH, learning_rate_init=LR, alpha=0.0, shuffle=True,
                                 random_state=seed)
        self.classes = np.arange(10)

    def epoch(self):
        self.clf.partial_fit(self.X, self.y, classes=self.classes)   # one pass over shuffled data

    def accuracy(self):
        return float(self.clf.score(self.Xt, self.yt))


class TorchWorker:
    def __init__(self, dtype, seed, n_train=None):
        import torch
        self.torch = torch
        torch.manual_seed(seed)
        X, y, Xt, yt = load(np.float32, n_train)
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
           "numpy-floor-f32": (FloorWorker, "float32"),
           "sklearn-f32": (SklearnWorker, "float32"), "sklearn-f64": (SklearnWorker, "float64"),
           "torch-f32": (TorchWorker, "float32")}


def worker_main(name, seed, threads, n_train):
    cls, dtype = WORKERS[name]
    w = cls(dtype, seed, n_train)
    limiter = limit_threads(threads)            # noqa: F841  after the imports: every BLAS/OpenMP is loaded now
    if name.startswith("torch") and threads is not None:
        import torch
        torch.set_num_threads(threads)
    info = blas_info()
    if name.startswith("torch"):
        import torch
        info = f"torch {torch.__version__}, {torch.get_num_threads()} threads; {info}"

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "blas": info})
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "epoch":
            c0, t0 = time.process_time(), time.perf_counter()
            w.epoch()
            reply({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0})
        elif cmd == "finish":
            reply({"accuracy": w.accuracy(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return


def matmul_lower_bound(dtype=np.float32, n_train=60000, rounds=7, repeats=100):
    """Time the matrix products of one training step at this network's shapes (best of `rounds`).

    Returns (seconds per epoch, GFLOP/s): the time an epoch would take if it did nothing but its matrix
    products, at the best throughput this machine showed for them.
    """
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((SIZES[i + 1], SIZES[i])).astype(dtype) for i in range(3)]
    As = [rng.standard_normal((n, BATCH)).astype(dtype) for n in SIZES]

    def step():
        for l in range(3):
            Ws[l] @ As[l]                       # forward Z = W A
            As[l + 1] @ As[l].T                 # backward dW = dZ A^T (dZ has A[l+1]'s shape)
            if l > 0:
                Ws[l].T @ As[l + 1]             # backward dA = W^T dZ (not needed for the input layer)
    step()
    best = np.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(repeats):
            step()
        best = min(best, (time.perf_counter() - t0) / repeats)
    n_steps = -(-n_train // BATCH)
    return best * n_steps, flops_per_sample() * BATCH / best / 1e9


def nnbook_breakdown(n_train=60000, rounds=3):
    """Where an nnbook float32 epoch goes, part by part, each timed alone (best of `rounds`), in seconds:
    the Adam step on the parameter vector, the mini-batch gathers, and the rest of the training step."""
    import nnbook
    X_rows, y, _, _ = load(np.float32, n_train)
    X, Y = X_rows.T, nnbook.one_hot(y, 10, dtype=np.float32)
    net = nnbook.NeuralNetwork(SIZES, "relu", "softmax", init="he", seed=0, dtype=np.float32)
    opt = nnbook.AdamOptimizer(learning_rate=LR)
    theta, n_steps = net._parameter_vector(), -(-n_train // BATCH)
    grad = np.random.default_rng(0).standard_normal(theta.size).astype(np.float32) * 1e-3

    def best(fn):
        fn()
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    def adam():
        for _ in range(n_steps):
            opt._update_vector(theta, grad)

    def batches():
        for _ in nnbook.create_mini_batches(X, Y, BATCH, np.random.default_rng(0)):
            pass
    saved = theta.copy()
    parts = {"optimizer (Adam on the vector)": best(adam), "mini-batch gathers": best(batches)}
    theta[...] = saved
    t_full = best(lambda: [net._train_step(Xb, Yb, opt, nnbook.cross_entropy)
                           for Xb, Yb in nnbook.create_mini_batches(X, Y, BATCH, np.random.default_rng(0))])
    return t_full, parts, theta.size


def print_header(threads):
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("OPENBLAS_CORETYPE=" + os.environ.get("OPENBLAS_CORETYPE", "(unset)")
          + "  OPENBLAS_L2_SIZE=" + os.environ.get("OPENBLAS_L2_SIZE", "(unset)")
          + f"  threads: {threads if threads is not None else 'library default'}")


def run_speed(args):
    names = [n for n in args.contenders.split(",") if n]
    unknown = [n for n in names if n not in WORKERS]
    if unknown:
        sys.exit(f"unknown contender(s) {unknown}; choose from {', '.join(WORKERS)}")
    try:
        import torch  # noqa: F401
    except ImportError:
        if "torch-f32" in names:
            print("torch is not installed (pip install 'nnbook[bench]' or make bench): skipping the PyTorch contender")
            names.remove("torch-f32")
    print_header(args.threads)
    n_train = args.train_size
    procs, blas = {}, {}
    for n in names:
        cmd = [sys.executable, __file__, "--worker", n, "--seed", str(args.seed), "--train-size", str(n_train)]
        if args.threads is not None:
            cmd += ["--threads", str(args.threads)]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs[n] = p
        line = p.stdout.readline()              # wait until its data is loaded
        if not line:
            sys.exit(f"worker {n} failed to start (see its error above)")
        blas[n] = json.loads(line)["blas"]
    for n in names:
        print(f"  {n}: {blas[n]}")
    times = {n: [] for n in names}
    cpu = {n: [] for n in names}
    for epoch in range(args.epochs):
        for n in names:                           # round robin: one epoch of each contender in turn
            # Let the previous contender's BLAS/OpenMP worker threads stop spinning first (OpenBLAS workers
            # busy-wait for a while after each call): otherwise they take a core from this epoch.
            time.sleep(args.pause)
            p = procs[n]
            p.stdin.write("epoch\n")
            p.stdin.flush()
            r = json.loads(p.stdout.readline())
            times[n].append(r["seconds"])
            cpu[n].append(r["cpu"])
        print(f"epoch {epoch + 1}: " + ", ".join(f"{n} {times[n][-1]:.2f}s" for n in names), flush=True)
    results = {}
    for n in names:
        p = procs[n]
        p.stdin.write("finish\n")
        p.stdin.flush()
        results[n] = json.loads(p.stdout.readline())
        p.wait()
    limiter = limit_threads(args.threads)        # noqa: F841  (the lower bound runs with the same threads)
    lb, gflops = matmul_lower_bound(np.float32, n_train)
    flop_epoch = flops_per_sample() * n_train
    print(f"\nwork per epoch: {flop_epoch / 1e9:.1f} GFLOP in matrix products ({flops_per_sample():,} FLOP per "
          f"sample: forward W A, backward dZ A^T and W^T dZ; {n_train} samples)")
    print(f"float32 matmul throughput at these shapes (best of 7): {gflops:.1f} GFLOP/s "
          f"-> lower bound {lb:.2f} s/epoch\n")
    breakdown = None
    if any(n.startswith("nnbook") for n in names):
        t_full, parts, n_par = nnbook_breakdown(n_train)
        rest = t_full - sum(parts.values())
        print(f"nnbook-f32 epoch, parts timed alone (best of 3, {n_par:,} parameters): full epoch {t_full:.2f} s = "
              + " + ".join(f"{k} {v:.2f} s" for k, v in parts.items())
              + f" + forward/loss/backward {rest:.2f} s (of which matrix products >= {lb:.2f} s)\n")
        floor = lb + parts["optimizer (Adam on the vector)"]
        print(f"matmul lower bound + the Adam steps alone: {floor:.2f} s/epoch, {floor / lb:.2f}x the matmul bound "
              f"(the optimizer's passes over the parameter vector are work no faster matmul removes)\n")
        breakdown = dict(full=t_full, rest=rest, matmul_plus_adam=floor, **parts)
    med = {n: statistics.median(times[n]) for n in names}
    medcpu = {n: statistics.median(cpu[n]) for n in names}
    print(f"{'contender':<16} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7} {'test acc':>9} {'peak MB':>8}")
    for n in names:
        print(f"{n:<16} {med[n]:9.2f} {min(times[n]):7.2f} {max(times[n]):7.2f} {medcpu[n]:7.2f} "
              f"{results[n]['accuracy']:9.4f} {results[n]['peak_mb']:8.0f}")
    print(f"(wall-clock seconds per epoch over {args.epochs} epochs; CPU s: the worker's median CPU time per "
          f"epoch, all threads; test accuracy after {args.epochs} epochs each)\n")
    for mine in ("nnbook-f32", "nnbook-f64"):
        if mine not in med:
            continue
        for peer in ("sklearn-f32", "sklearn-f64", "torch-f32"):
            if peer in med:
                # the same round's epochs ran back to back, so their ratio cancels slow drifts of the machine
                paired = statistics.median(a / b for a, b in zip(times[mine], times[peer]))
                print(f"{mine} / {peer}: {med[mine] / med[peer]:.2f} (ratio of medians), "
                      f"{paired:.2f} (median of the {args.epochs} per-round ratios)")
        if mine == "nnbook-f32" and "numpy-floor-f32" in med:
            paired = statistics.median(a / b for a, b in zip(times[mine], times["numpy-floor-f32"]))
            print(f"{mine} / numpy-floor-f32: {med[mine] / med['numpy-floor-f32']:.2f} (ratio of medians), "
                  f"{paired:.2f} (median of the per-round ratios)")
        print(f"{mine} / matmul lower bound: {med[mine] / lb:.2f}")
    if "numpy-floor-f32" in med:
        for peer in ("sklearn-f32", "torch-f32"):
            if peer in med:
                print(f"numpy-floor-f32 / {peer}: {med['numpy-floor-f32'] / med[peer]:.2f}")
        print(f"numpy-floor-f32 / matmul lower bound: {med['numpy-floor-f32'] / lb:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(times=times, cpu=cpu, results=results, lower_bound=lb, gflops=gflops,
                           flop_epoch=flop_epoch, blas=blas, threads=args.threads, epochs=args.epochs,
                           breakdown=breakdown,
                           env={k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
                           loadavg=os.getloadavg()), f, indent=1)


def run_capstone(args):
    """Train the §3.7 capstone network with nnbook.fit for several seeds; print test accuracies."""
    from functools import partial

    import nnbook
    limiter = limit_threads(args.threads)        # noqa: F841
    print_header(args.threads)
    print(f"BLAS: {blas_info()}")
    c = CAPSTONE
    dtype = np.dtype(c["dtype"])
    (X_full, y_full), (X_test, y_test) = nnbook.load_mnist(dtype=dtype)
    perm = np.random.default_rng(c["split_seed"]).permutation(len(X_full))
    val_idx, train_idx = perm[:c["n_val"]], perm[c["n_val"]:]
    X_train, y_train = X_full[train_idx].T, y_full[train_idx]
    X_val, y_val = X_full[val_idx].T, y_full[val_idx]
    Y_train, Y_val = nnbook.one_hot(y_train, 10, dtype), nnbook.one_hot(y_val, 10, dtype)
    del X_full
    print(f"capstone: {c['sizes']} relu/softmax {dtype.name}, Adam({c['learning_rate']}) with lr x "
          f"{c['decay_rate']} per epoch, dropout {c['dropout']} on the hidden layers, batch {c['batch_size']}, "
          f"at most {args.capstone_epochs} epochs, "
          f"early stopping patience {c['patience']} (best validation weights restored); "
          f"{X_train.shape[1]} training / {X_val.shape[1]} validation images")
    seeds = [int(s) for s in args.seeds.split(",")]
    accs = []
    for seed in seeds:
        net = nnbook.NeuralNetwork(c["sizes"], "relu", "softmax", dtype=dtype, seed=seed, dropout=c["dropout"])
        opt = nnbook.AdamOptimizer(learning_rate=c["learning_rate"])
        t0 = time.perf_counter()
        h = nnbook.fit(net, X_train, Y_train, X_val, Y_val, optimizer=opt, batch_size=c["batch_size"],
                       epochs=args.capstone_epochs, schedule=partial(nnbook.exponential_decay,
                                                                     decay_rate=c["decay_rate"]),
                       patience=c["patience"], seed=seed, progress=False)
        seconds = time.perf_counter() - t0
        acc = float(np.mean(net.predict(X_test.T) == y_test))
        accs.append(acc)
        print(f"seed {seed}: test accuracy {acc:.4f} (best validation {h.best_val_acc:.4f} at epoch "
              f"{h.best_epoch} of {len(h)}), {seconds:.0f} s, {seconds / len(h):.1f} s/epoch", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ncapstone test accuracy over seeds {seeds}: mean {np.mean(accs):.4f}, min {min(accs):.4f}, "
          f"max {max(accs):.4f} (target: mean >= 0.9800 within {args.capstone_epochs} epochs: "
          f"{'met' if np.mean(accs) >= 0.98 else 'NOT met'}); peak memory {peak:.0f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5, help="epochs per contender (default 5)")
    ap.add_argument("--pause", type=float, default=0.5,
                    help="seconds of quiet before each epoch, so the previous contender's threads stop spinning "
                         "(default 0.5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--contenders", default=",".join(WORKERS), help="comma-separated subset of " + ", ".join(WORKERS))
    ap.add_argument("--threads", type=int, default=None, help="limit BLAS (and torch) threads; default: library default")
    ap.add_argument("--train-size", type=int, default=60000, help="training images per epoch (default all 60000)")
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument("--capstone", action="store_true", help="run the §3.7 capstone configuration instead")
    ap.add_argument("--seeds", default="0,1,2", help="capstone seeds (default 0,1,2)")
    ap.add_argument("--capstone-epochs", type=int, default=20, help="capstone epoch budget (default 20)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker_main(args.worker, args.seed, args.threads, args.train_size)
    if args.capstone:
        return run_capstone(args)
    return run_speed(args)


if __name__ == "__main__":
    sys.exit(main())
