"""Reference peers for the recommender-training benchmark: trains implicit's ALS and BPR and a PyTorch NeuMF
on the benchmark's data, times them, and writes each one's top-k lists for the benchmark to score.

Usage (python from scripts/setup_bench_python.sh):
  python models_reference.py --input DIR --output DIR --algorithms als,bpr,ncf \
      [--factors 64 --iterations 15 --reg 0.05 --alpha 40 --bpr-epochs 100 --bpr-lr 0.01
       --ncf-epochs 5 --ncf-lr 0.001 --negatives 4 --seed 42 --threads 2]

Input DIR: train.safetensors (user int32 [n], item int32 [n], value float32 [n]; one entry per (user, item),
dense ids) and meta.json ({"users", "items", "k", "eval_users"}).
Output DIR: <algo>.topk.safetensors with `items` int32 [len(eval_users), k]: each eval user's top k over the
whole catalogue minus that user's train items, best first, rows in meta.eval_users order; for als also
als.factors.safetensors (user_factors, item_factors float32).
Stdout: one JSON line per algorithm: {"algorithm", "train_seconds", "score_seconds", "peak_rss_mb",
"baseline_rss_mb", "library"}. train_seconds times fit only (data loading and the CSR build are outside it);
score_seconds times top-k for all eval users including the train-item exclusion. With several algorithms,
each runs in a fresh subprocess of this script, so peak_rss_mb (the process's ru_maxrss) is its own; baseline_rss_mb is
the peak just before fit (interpreter, libraries, data), so peak - baseline is what training and scoring
added. Progress goes to stderr.

Semantics worth knowing when comparing with another implementation:
  als: implicit multiplies the values by alpha itself and uses the result as the confidence of observed
       entries: c_ui = alpha * value (not 1 + alpha * value), c = 1 and p = 0 elsewhere; the penalty is
       reg * I, not scaled by counts; use_cg runs 3 conjugate-gradient steps per row per sweep, warm-started,
       so factors are not the exact least-squares solution. Factors start uniform in [0, 0.01) from
       numpy.random.default_rng(seed).
  bpr: implicit ignores the values (any entry is a positive); it learns factors + 1 columns, the last an item
       bias (1 on the user side); training is Hogwild across threads, so results vary run to run when
       threads > 1.
  ncf: NeuMF (He et al. 2017): GMF and MLP branches with their own embeddings of size factors, MLP
       2f -> f -> f/2 -> f/4 with ReLU, a linear layer over [gmf, mlp] -> logit, BCEWithLogits; each epoch
       pairs every train positive with `negatives` items drawn uniformly from the items the user has not
       interacted with; Adam, batch 4096.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ALGORITHMS = ("als", "bpr", "ncf")


def log(message):
    print(f"[reference] {message}", file=sys.stderr, flush=True)


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--algorithms", default="als,bpr,ncf")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--reg", type=float, default=0.05)
    parser.add_argument("--alpha", type=float, default=40.0)
    parser.add_argument("--bpr-epochs", type=int, default=100)
    parser.add_argument("--bpr-lr", type=float, default=0.01)
    parser.add_argument("--ncf-epochs", type=int, default=5)
    parser.add_argument("--ncf-lr", type=float, default=0.001)
    parser.add_argument("--negatives", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    args.algorithms = [name.strip() for name in args.algorithms.split(",") if name.strip()]
    unknown = [name for name in args.algorithms if name not in ALGORITHMS]
    if unknown or not args.algorithms:
        parser.error(f"--algorithms takes a comma-separated subset of {','.join(ALGORITHMS)}, got {unknown}")
    return args


def load_input(directory):
    import numpy as np
    from safetensors.numpy import load_file

    with open(os.path.join(directory, "meta.json")) as handle:
        meta = json.load(handle)
    tensors = load_file(os.path.join(directory, "train.safetensors"))
    user = tensors["user"].astype(np.int64)
    item = tensors["item"].astype(np.int64)
    value = tensors["value"].astype(np.float32)
    eval_users = np.asarray(meta["eval_users"], dtype=np.int64)
    return meta, user, item, value, eval_users


def user_item_csr(meta, user, item, value):
    import numpy as np
    import scipy.sparse

    matrix = scipy.sparse.csr_matrix((value, (user, item)), shape=(meta["users"], meta["items"]), dtype=np.float32)
    matrix.sort_indices()
    return matrix


def run_implicit(name, args, meta, user, item, value, eval_users):
    """ALS or BPR from implicit's CPU module. BLAS is held to one thread: implicit parallelises over rows with
    its own threads, and a multi-threaded BLAS underneath both slows it down and makes it warn."""
    import implicit
    import numpy as np
    from threadpoolctl import threadpool_limits

    user_items = user_item_csr(meta, user, item, value)
    with threadpool_limits(limits=1, user_api="blas"):
        if name == "als":
            from implicit.cpu.als import AlternatingLeastSquares

            model = AlternatingLeastSquares(
                factors=args.factors,
                regularization=args.reg,
                alpha=args.alpha,
                iterations=args.iterations,
                random_state=args.seed,
                use_cg=True,
                num_threads=args.threads,
            )
        else:
            from implicit.cpu.bpr import BayesianPersonalizedRanking

            model = BayesianPersonalizedRanking(
                factors=args.factors,
                learning_rate=args.bpr_lr,
                regularization=args.reg,
                iterations=args.bpr_epochs,
                random_state=args.seed,
                num_threads=args.threads,
            )
        baseline = rss_mb()
        log(f"{name}: fitting {meta['users']} users x {meta['items']} items, {user_items.nnz} entries")
        started = time.perf_counter()
        model.fit(user_items, show_progress=False)
        train_seconds = time.perf_counter() - started

        started = time.perf_counter()
        ids, _ = model.recommend(eval_users, user_items[eval_users], N=meta["k"], filter_already_liked_items=True)
        score_seconds = time.perf_counter() - started

    extra = {}
    if name == "als":
        extra["als.factors.safetensors"] = {
            "user_factors": np.ascontiguousarray(model.user_factors, dtype=np.float32),
            "item_factors": np.ascontiguousarray(model.item_factors, dtype=np.float32),
        }
    return ids, train_seconds, score_seconds, baseline, f"implicit {implicit.__version__}", extra


def sample_negatives(rng, user, positive_keys, n_items, negatives):
    """For each positive (repeated `negatives` times), an item drawn uniformly from those the user has not
    interacted with (rejection sampling against the sorted user * n_items + item keys)."""
    import numpy as np

    users = np.repeat(user, negatives)
    items = rng.integers(0, n_items, size=users.shape[0], dtype=np.int64)
    pending = np.arange(users.shape[0])
    for _ in range(100):
        keys = users[pending] * n_items + items[pending]
        found = np.searchsorted(positive_keys, keys)
        found[found == positive_keys.shape[0]] = 0
        pending = pending[positive_keys[found] == keys]
        if pending.shape[0] == 0:
            break
        items[pending] = rng.integers(0, n_items, size=pending.shape[0], dtype=np.int64)
    return users, items


def make_neumf(n_users, n_items, f):
    """NeuMF with embeddings of size f for both branches (torch is imported here, only when NCF runs)."""
    import torch
    from torch import nn

    class NeuMF(nn.Module):
        def __init__(self):
            super().__init__()
            self.gmf_user, self.gmf_item = nn.Embedding(n_users, f), nn.Embedding(n_items, f)
            self.mlp_user, self.mlp_item = nn.Embedding(n_users, f), nn.Embedding(n_items, f)
            sizes = [2 * f, f, max(f // 2, 1), max(f // 4, 1)]
            layers = []
            for fan_in, fan_out in zip(sizes, sizes[1:]):
                layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
            self.mlp = nn.Sequential(*layers)
            self.out = nn.Linear(f + sizes[-1], 1)
            for embedding in (self.gmf_user, self.gmf_item, self.mlp_user, self.mlp_item):
                nn.init.normal_(embedding.weight, std=0.01)

        def forward(self, users, items):
            gmf = self.gmf_user(users) * self.gmf_item(items)
            mlp = self.mlp(torch.cat([self.mlp_user(users), self.mlp_item(items)], dim=1))
            return self.out(torch.cat([gmf, mlp], dim=1)).squeeze(1)

        def score_matrix(self, users):
            """forward() for every (user in users, item) pair as a [users, items] matrix, computed without
            materialising the pairs' embeddings: the GMF half of the output layer is one matmul, and the
            first MLP layer splits into a user part plus an item part."""
            w = self.out.weight[0]
            gmf = self.gmf_user(users) @ (self.gmf_item.weight * w[:f]).T
            first, rest = self.mlp[0], self.mlp[2:]
            user_part = self.mlp_user(users) @ first.weight[:, :f].T + first.bias
            item_part = self.mlp_item.weight @ first.weight[:, f:].T
            hidden = torch.relu(user_part[:, None, :] + item_part[None, :, :])
            return gmf + rest(hidden) @ w[f:] + self.out.bias

    return NeuMF()


def run_ncf(args, meta, user, item, value, eval_users):
    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    n_users, n_items, f = meta["users"], meta["items"], args.factors

    model = make_neumf(n_users, n_items, f)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.ncf_lr)
    loss_fn = nn.BCEWithLogitsLoss()
    positive_keys = np.sort(user * n_items + item)
    batch = 4096

    baseline = rss_mb()
    log(f"ncf: training {args.ncf_epochs} epochs on {user.shape[0]} positives x (1 + {args.negatives} negatives)")
    started = time.perf_counter()
    model.train()
    for epoch in range(args.ncf_epochs):
        neg_users, neg_items = sample_negatives(rng, user, positive_keys, n_items, args.negatives)
        users = torch.from_numpy(np.concatenate([user, neg_users]))
        items = torch.from_numpy(np.concatenate([item, neg_items]))
        labels = torch.cat([torch.ones(user.shape[0]), torch.zeros(neg_users.shape[0])])
        order = torch.randperm(users.shape[0])
        total = 0.0
        for start in range(0, order.shape[0], batch):
            index = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(users[index], items[index]), labels[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * index.shape[0]
        log(f"ncf: epoch {epoch + 1}/{args.ncf_epochs} loss {total / order.shape[0]:.4f}")
    train_seconds = time.perf_counter() - started

    # Top-k: score every item for a chunk of eval users, mask their train items, take the k best.
    user_items = user_item_csr(meta, user, item, value)
    started = time.perf_counter()
    model.eval()
    chunk = max(1, (1 << 18) // n_items)  # ~256k (user, item) pairs per step
    results = []
    with torch.no_grad():
        for start in range(0, eval_users.shape[0], chunk):
            chunk_users = eval_users[start : start + chunk]
            scores = model.score_matrix(torch.from_numpy(chunk_users))
            seen = user_items[chunk_users].tocoo()
            rows, cols = torch.from_numpy(seen.row.astype(np.int64)), torch.from_numpy(seen.col.astype(np.int64))
            scores[rows, cols] = -torch.inf
            results.append(torch.topk(scores, meta["k"], dim=1).indices)
    ids = torch.cat(results).numpy()
    score_seconds = time.perf_counter() - started
    return ids, train_seconds, score_seconds, baseline, f"torch {torch.__version__}", {}


def run_one(name, args):
    import numpy as np
    from safetensors.numpy import save_file

    meta, user, item, value, eval_users = load_input(args.input)
    if name == "ncf":
        ids, train_seconds, score_seconds, baseline, library, extra = run_ncf(args, meta, user, item, value, eval_users)
    else:
        ids, train_seconds, score_seconds, baseline, library, extra = run_implicit(
            name, args, meta, user, item, value, eval_users
        )
    ids = np.ascontiguousarray(ids, dtype=np.int32)
    expected = (eval_users.shape[0], meta["k"])
    if ids.shape != expected:
        raise RuntimeError(f"{name}: top-k has shape {ids.shape}, expected {expected}")
    os.makedirs(args.output, exist_ok=True)
    save_file({"items": ids}, os.path.join(args.output, f"{name}.topk.safetensors"))
    for filename, tensors in extra.items():
        save_file(tensors, os.path.join(args.output, filename))
    result = {
        "algorithm": name,
        "train_seconds": round(train_seconds, 4),
        "score_seconds": round(score_seconds, 4),
        "peak_rss_mb": round(rss_mb(), 1),
        "baseline_rss_mb": round(baseline, 1),
        "library": library,
    }
    log(f"{name}: train {train_seconds:.2f}s, score {score_seconds:.2f}s, peak RSS {result['peak_rss_mb']} MB")
    print(json.dumps(result), flush=True)


def main(argv):
    args = parse_args(argv)
    if len(args.algorithms) == 1:
        run_one(args.algorithms[0], args)
        return
    # Several: one fresh process each, so that each one's peak RSS is its own. Stderr passes through.
    options = {key: value for key, value in vars(args).items() if key != "algorithms"}
    for name in args.algorithms:
        child_argv = ["--algorithms", name]
        for key, value in options.items():
            child_argv += ["--" + key.replace("_", "-"), str(value)]
        command = [sys.executable, os.path.abspath(__file__), *child_argv]
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        if done.returncode != 0:
            log(f"{name} failed with exit code {done.returncode}")
            sys.exit(done.returncode)
        line = done.stdout.strip().splitlines()[-1]
        json.loads(line)  # a malformed line fails here rather than in the benchmark
        print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
