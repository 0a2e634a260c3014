"""Reference peer for the serving benchmark: a FastAPI + uvicorn + PyTorch model server that answers top-k
movie recommendations from the same embeddings as our TypeScript server, with the same top-k logic, so a load
generator can compare throughput and latency of the two.

Usage (python from scripts/setup_bench_python.sh):
  python serving_reference.py --model DIR --port N [--host 127.0.0.1] [--workers 1] [--threads 1]

Model DIR:
  model.safetensors  user_factors float32 [U, F], item_factors float32 [I, F], user_ids int32 [U],
                     item_ids int32 [I] (dense index -> external id); any other tensor is ignored.
  seen.safetensors   indptr int32 [U + 1], indices int32 [nnz]: user index u has seen the item indices
                     indices[indptr[u]:indptr[u + 1]].
  movies.json        [{"movie_id": int, "title": str, "genres": [str], "year": int|null, "poster_url": str|null}]

Routes:
  GET /api/v1/recommendations?user_id=<int 0..2^31-1>&k=<int 1..100, default 10>
      200 {"user_id", "recommendations": [{"movie_id", "title", "genres", "year", "poster_url", "score"}],
           "count", "model": {"name": "reference", "version": "1"}}
      404 {"detail": "unknown user"} for a user id the model does not know
      422 FastAPI's validation error for a missing, non-integer or out-of-range parameter
  GET /health -> {"status": "ok"}

Scoring, as the TypeScript server does it for a known user with exclude_seen=true: scores = item_factors @
user_vector, the user's seen items set to -inf, top k best first, -inf results dropped (so `count` is below
k only when the user has seen almost the whole catalogue). Movies missing from movies.json are described as
{"title": "Movie <id>", "genres": [], "year": null, "poster_url": null}, like the TypeScript catalogue does.
Differences worth knowing: torch accumulates the dot products in float32 (ours in float64, then rounds to
float32), and torch.topk does not promise an order among exactly equal scores (ours prefers the lower
index), so near-ties may come out in another order. Unknown users get 404 here, popular movies there.

--threads sets torch's intra-op threads (torch.set_num_threads) in each worker. --workers > 1 runs that many
uvicorn worker processes, each loading its own copy of the model, sharing one listening socket (re-wrapped
as IPPROTO_TCP to work around uvicorn#3149, see main()). The "[reference-serving] loaded ..." line
goes to stderr before uvicorn binds the port; poll GET /health to know it is listening.
"""
import argparse
import json
import os
import sys
import time
from typing import Annotated

MODEL_INFO = {"name": "reference", "version": "1"}
# How the parent passes its options to worker processes when --workers > 1 (uvicorn then needs an import
# string, not an app object, and builds the app in each worker through create_app_from_env).
ENV_MODEL = "REFERENCE_SERVING_MODEL"
ENV_THREADS = "REFERENCE_SERVING_THREADS"


def log(message):
    print(f"[reference-serving] {message}", file=sys.stderr, flush=True)


class Recommender:
    """The model in memory: factors and seen lists as torch tensors, id maps and movie details as dicts."""

    def __init__(self, directory, threads):
        import torch
        from safetensors import safe_open

        torch.set_num_threads(threads)
        started = time.perf_counter()
        with safe_open(os.path.join(directory, "model.safetensors"), framework="pt") as model:
            user_factors = model.get_tensor("user_factors").to(torch.float32).contiguous()
            item_factors = model.get_tensor("item_factors").to(torch.float32).contiguous()
            user_ids = model.get_tensor("user_ids").tolist()
            item_ids = model.get_tensor("item_ids").tolist()
        with safe_open(os.path.join(directory, "seen.safetensors"), framework="pt") as seen:
            indptr = seen.get_tensor("indptr").tolist()
            # int64 once here: index_fill_ wants a LongTensor index.
            indices = seen.get_tensor("indices").to(torch.int64)
        with open(os.path.join(directory, "movies.json"), encoding="utf-8") as file:
            movies = json.load(file)

        users, factors = user_factors.shape
        items = item_factors.shape[0]
        problems = []
        if item_factors.shape[1] != factors:
            problems.append(f"user_factors has {factors} factors, item_factors {item_factors.shape[1]}")
        if len(user_ids) != users:
            problems.append(f"user_ids has {len(user_ids)} entries for {users} users")
        if len(item_ids) != items:
            problems.append(f"item_ids has {len(item_ids)} entries for {items} items")
        if len(indptr) != users + 1 or indptr[0] != 0 or indptr[-1] != indices.numel():
            problems.append(f"seen indptr ({len(indptr)} entries) does not fit {users} users and {indices.numel()} indices")
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= items):
            problems.append("seen indices fall outside the item range")
        if problems:
            raise SystemExit(f"[reference-serving] {directory}: " + "; ".join(problems))

        self.torch = torch
        self.user_factors = user_factors
        self.item_factors = item_factors
        self.user_index = {int(user_id): index for index, user_id in enumerate(user_ids)}
        self.item_ids = [int(item_id) for item_id in item_ids]
        self.indptr = indptr
        self.seen = indices
        self.movies = {
            int(movie["movie_id"]): {
                "movie_id": int(movie["movie_id"]),
                "title": movie["title"],
                "genres": list(movie.get("genres") or []),
                "year": movie.get("year"),
                "poster_url": movie.get("poster_url"),
            }
            for movie in movies
        }
        log(
            f"loaded {users} users x {items} items x {factors} factors, {indices.numel()} seen entries, "
            f"{len(self.movies)} movies in {time.perf_counter() - started:.2f}s (torch threads {torch.get_num_threads()})"
        )

    def top_k(self, user, k):
        """(item indices, scores) of the user's k best unseen items, best first, as Python lists."""
        torch = self.torch
        with torch.inference_mode():
            scores = self.item_factors @ self.user_factors[user]
            scores.index_fill_(0, self.seen[self.indptr[user] : self.indptr[user + 1]], float("-inf"))
            best = torch.topk(scores, min(k, scores.numel()))
            return best.indices.tolist(), best.values.tolist()

    def details(self, movie_id):
        return self.movies.get(movie_id) or {
            "movie_id": movie_id,
            "title": f"Movie {movie_id}",
            "genres": [],
            "year": None,
            "poster_url": None,
        }


def create_app(recommender):
    from fastapi import FastAPI, HTTPException, Query
    from pydantic import BaseModel

    class Recommendation(BaseModel):
        movie_id: int
        title: str
        genres: list[str]
        year: int | None
        poster_url: str | None
        score: float

    class ModelInfo(BaseModel):
        name: str
        version: str

    class RecommendationsResponse(BaseModel):
        user_id: int
        recommendations: list[Recommendation]
        count: int
        model: ModelInfo

    class Health(BaseModel):
        status: str

    app = FastAPI(title="reference serving", docs_url=None, redoc_url=None)

    # async def, not def: FastAPI's docs ("Concurrency and async / await", path operation functions) advise
    # async def for path operations that do no blocking I/O, since a plain def is sent to the threadpool,
    # which only costs a thread hop here. The handler is pure CPU (a 0.1 ms-scale matrix-vector product and
    # top-k) that would hold the event loop either way; parallelism comes from --workers (processes) and
    # --threads (torch intra-op), not from the threadpool (measured: a def version served ~30% fewer requests/s,
    # with a worse p99, at 32 connections). The response_model lets FastAPI (>= 0.130)
    # validate and serialize the answer with Pydantic in Rust, as a typical team would declare it.
    @app.get("/api/v1/recommendations", response_model=RecommendationsResponse)
    async def recommendations(
        user_id: Annotated[int, Query(ge=0, le=2_147_483_647, description="the user")],
        k: Annotated[int, Query(ge=1, le=100, description="how many movies (1-100)")] = 10,
    ):
        user = recommender.user_index.get(user_id)
        if user is None:
            raise HTTPException(status_code=404, detail="unknown user")
        items, scores = recommender.top_k(user, k)
        ranked = [
            {**recommender.details(recommender.item_ids[item]), "score": score}
            for item, score in zip(items, scores)
            if score > float("-inf")  # seen items; the TypeScript top-k skips them too
        ]
        return {"user_id": user_id, "recommendations": ranked, "count": len(ranked), "model": MODEL_INFO}

    @app.get("/health", response_model=Health)
    async def health():
        return {"status": "ok"}

    return app


def create_app_from_env():
    """The app factory each uvicorn worker process calls when --workers > 1."""
    return create_app(Recommender(os.environ[ENV_MODEL], int(os.environ[ENV_THREADS])))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="directory with model.safetensors, seen.safetensors, movies.json")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads per worker")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.threads < 1:
        parser.error("--workers and --threads must be at least 1")
    for name in ("model.safetensors", "seen.safetensors", "movies.json"):
        if not os.path.isfile(os.path.join(args.model, name)):
            parser.error(f"{os.path.join(args.model, name)} is missing")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import uvicorn

    options = {"host": args.host, "port": args.port, "log_level": "warning", "access_log": False}
    if args.workers == 1:
        uvicorn.run(create_app(Recommender(args.model, args.threads)), workers=1, **options)
    else:
        # What uvicorn.run(..., workers=N) does, with one fix: uvicorn 0.54 binds the shared listener with
        # proto 0, asyncio then skips TCP_NODELAY on accepted connections, and every keep-alive response
        # waits ~40 ms for the client's delayed ACK (Kludex/uvicorn#3149; measured here: ~700 req/s with 2
        # workers instead of thousands). Re-wrapping the bound socket as IPPROTO_TCP restores TCP_NODELAY.
        import socket

        from uvicorn.supervisors import Multiprocess

        os.environ[ENV_MODEL] = os.path.abspath(args.model)
        os.environ[ENV_THREADS] = str(args.threads)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # uvicorn.run's app_dir
        config = uvicorn.Config("serving_reference:create_app_from_env", factory=True, workers=args.workers, **options)
        bound = config.bind_socket()
        sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
        sock.set_inheritable(True)
        log(f"starting {args.workers} workers, each loading the model")
        try:
            Multiprocess(config, sockets=[sock]).run()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
