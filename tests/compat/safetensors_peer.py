"""Python's side of the model-exchange check: the official MLflow client downloads a registered model
version from our server, and numpy + safetensors read its tensors without any movie-mlops code.

Usage: safetensors_peer.py <tracking-url> <model-name> <version> <user-index> <out-dir>
Prints one JSON line: tensor dtypes/shapes, the user's scores for the first items, and the path of a
safetensors file written by Python for the TypeScript side to read back.
"""

import json
import os
import sys

import mlflow
import numpy as np
from safetensors.numpy import load_file, save_file

url, name, version, user, out_dir = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
mlflow.set_tracking_uri(url)
local = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{name}/{version}", dst_path=out_dir)
with open(os.path.join(local, "manifest.json"), encoding="utf-8") as handle:
    manifest = json.load(handle)
tensors = load_file(os.path.join(local, "model.safetensors"))
users, items = tensors["user_factors"], tensors["item_factors"]
scores = items @ users[user]

written = os.path.join(out_dir, "from-python.safetensors")
save_file(
    {
        "embeddings": np.arange(12, dtype=np.float32).reshape(3, 4) / 4,
        "ids": np.array([7, -1, 2_000_000_000], dtype=np.int32),
        "weights": np.array([0.1, 1e-300, -2.5], dtype=np.float64),
    },
    written,
    metadata={"producer": "python"},
)
print(
    json.dumps(
        {
            "algorithm": manifest["algorithm"],
            "tensors": {key: [str(value.dtype), list(value.shape)] for key, value in sorted(tensors.items())},
            "item_ids": tensors["item_ids"][:5].tolist(),
            "scores": [float(value) for value in scores[:20]],
            "written": written,
        }
    )
)
