"""Drives a movie-mlops server with the official feast SDK (its remote online store) and with raw HTTP shaped
as Feast's feature-server docs give it, and asserts the results.

Usage: python feast_client_remote.py <server-url>
Prints one line per check ("ok <name>") and exits non-zero at the first failure; "done" at the end.
"""
import json
import os
import sys
import tempfile
from datetime import datetime, timedelta, timezone

import pandas as pd
import requests
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, PushSource, ValueType
from feast.data_source import PushMode
from feast.types import Array, Float64, Int64, String, UnixTimestamp

url = sys.argv[1].rstrip("/")


def check(name, condition, detail=""):
    if not condition:
        print(f"FAIL {name} {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


# A Feast repository whose online store is our server: the SDK reads through POST /get-online-features and
# writes through POST /write-to-online-store. Its definitions mirror our built-in movie_catalogue and
# user_activity views and their push sources.
repo = tempfile.mkdtemp(prefix="feast-remote-")
with open(os.path.join(repo, "feature_store.yaml"), "w") as config:
    config.write(
        f"""project: mlops_compat
registry: {os.path.join(repo, "registry.db")}
provider: local
online_store:
  type: remote
  path: {url}
offline_store:
  type: file
entity_key_serialization_version: 3
"""
    )

movie = Entity(name="movie", join_keys=["movie_id"], value_type=ValueType.INT64)
user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.INT64)
catalogue_push = PushSource(
    name="movie_catalogue_push",
    batch_source=FileSource(path=os.path.join(repo, "movies.parquet"), timestamp_field="event_timestamp"),
)
movie_catalogue = FeatureView(
    name="movie_catalogue",
    entities=[movie],
    ttl=timedelta(0),
    schema=[
        Field(name="popularity", dtype=Float64),
        Field(name="vote_average", dtype=Float64),
        Field(name="vote_count", dtype=Int64),
        Field(name="genres", dtype=Array(String)),
        Field(name="release_year", dtype=Int64),
    ],
    source=catalogue_push,
)
user_activity = FeatureView(
    name="user_activity",
    entities=[user],
    ttl=timedelta(days=90),
    schema=[
        Field(name="watch_count_7d", dtype=Int64),
        Field(name="watch_count_30d", dtype=Int64),
        Field(name="watch_count_total", dtype=Int64),
        Field(name="avg_rating", dtype=Float64),
        Field(name="last_watched_at", dtype=UnixTimestamp),
        Field(name="genre_preference", dtype=Array(Float64)),
    ],
    source=FileSource(path=os.path.join(repo, "users.parquet"), timestamp_field="event_timestamp"),
)
store = FeatureStore(repo_path=repo)
store.apply([movie, user, catalogue_push, movie_catalogue, user_activity])
check("feast apply with a remote online store", True)

now = datetime.now(timezone.utc).replace(microsecond=0)


def movies(ids, popularity, at):
    return pd.DataFrame(
        {
            "movie_id": ids,
            "event_timestamp": [at] * len(ids),
            "popularity": popularity,
            "vote_average": [7.5] * len(ids),
            "vote_count": [100] * len(ids),
            "genres": [["Drama", "Comedy"]] * len(ids),
            "release_year": [1999] * len(ids),
        }
    )


# The SDK's write_to_online_store → POST /write-to-online-store.
store.write_to_online_store("movie_catalogue", movies([900001, 900002], [12.5, 3.0], now - timedelta(hours=1)))
answer = store.get_online_features(
    features=["movie_catalogue:popularity", "movie_catalogue:genres", "movie_catalogue:vote_count"],
    entity_rows=[{"movie_id": 900001}, {"movie_id": 900002}, {"movie_id": 900999}],
).to_dict()
check("write_to_online_store then get_online_features", answer["popularity"] == [12.5, 3.0, None], answer)
check("list features round-trip", answer["genres"][0] == ["Drama", "Comedy"], answer)
check("int64 features round-trip", answer["vote_count"][:2] == [100, 100], answer)

# The SDK's push to the online store: resolved by the client, written through the remote store.
store.push("movie_catalogue_push", movies([900001], [50.0], now), to=PushMode.ONLINE)
answer = store.get_online_features(
    features=["movie_catalogue:popularity"], entity_rows=[{"movie_id": 900001}]
).to_dict()
check("push (online) through the remote store", answer["popularity"] == [50.0], answer)

# An older row never replaces a newer one.
store.write_to_online_store("movie_catalogue", movies([900001], [-1.0], now - timedelta(days=3)))
answer = store.get_online_features(
    features=["movie_catalogue:popularity"], entity_rows=[{"movie_id": 900001}]
).to_dict()
check("an older write does not replace a newer value", answer["popularity"] == [50.0], answer)

# Entity keys as strings are accepted by the server.
answer = store.get_online_features(
    features=["movie_catalogue:popularity"], entity_rows=[{"movie_id": "900002"}]
).to_dict()
check("string entity keys are accepted", answer["popularity"] == [3.0], answer)

# A feature service-free read of a user view with a timestamp and a list of floats.
users = pd.DataFrame(
    {
        "user_id": [900001],
        "event_timestamp": [now - timedelta(hours=2)],
        "watch_count_7d": [3],
        "watch_count_30d": [9],
        "watch_count_total": [40],
        "avg_rating": [4.25],
        "last_watched_at": [now - timedelta(hours=3)],
        "genre_preference": [[0.25, 0.75]],
    }
)
store.write_to_online_store("user_activity", users)
raw = requests.post(
    f"{url}/get-online-features",
    json={"features": ["user_activity:last_watched_at", "user_activity:genre_preference"], "entities": {"user_id": [900001]}},
    timeout=30,
).json()
check(
    "timestamp features written by the SDK read back as ISO strings",
    raw["results"][1]["values"][0].startswith((now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S")),
    raw,
)
check("float lists written by the SDK read back", raw["results"][2]["values"][0] == [0.25, 0.75], raw)

# Raw HTTP exactly as Feast's feature-server docs show it: JSON sent as data without a content type.
event_dict = {
    "movie_id": [900003],
    "event_timestamp": [str(now.replace(tzinfo=None))],
    "created": [str(now.replace(tzinfo=None))],
    "popularity": [1.0],
    "vote_average": [1.0],
    "vote_count": [1000],
    "genres": [["Horror"]],
    "release_year": [2021],
    "string_feature": "test2",
}
response = requests.post(
    f"{url}/push",
    data=json.dumps({"push_source_name": "movie_catalogue_push", "df": event_dict, "to": "online"}),
    timeout=30,
)
check("POST /push as the docs write it answers 200", response.status_code == 200, response.text)
answer = store.get_online_features(
    features=["movie_catalogue:vote_count", "movie_catalogue:genres"], entity_rows=[{"movie_id": 900003}]
).to_dict()
check("what the docs' push wrote is read by the SDK", answer["vote_count"] == [1000] and answer["genres"] == [["Horror"]], answer)

response = requests.post(
    f"{url}/push", data=json.dumps({"push_source_name": "no_such_source", "df": event_dict, "to": "online"}), timeout=30
)
check("an unknown push source is a 404", response.status_code == 404, response.text)
bad = dict(event_dict, popularity=[1.0, 2.0])
response = requests.post(
    f"{url}/push", json={"push_source_name": "movie_catalogue_push", "df": bad, "to": "online"}, timeout=30
)
check(
    "columns of different lengths are a 400 naming the column",
    response.status_code == 400 and response.json().get("field") == "df.popularity",
    response.text,
)
response = requests.post(
    f"{url}/write-to-online-store",
    json={"feature_view_name": "no_such_view", "df": event_dict},
    timeout=30,
)
check("an unknown feature view is a 404", response.status_code == 404, response.text)

# Materialization, as the docs call it.
response = requests.post(
    f"{url}/materialize",
    data=json.dumps(
        {
            "start_ts": (now - timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%S"),
            "end_ts": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "feature_views": ["movie_catalogue"],
        }
    ),
    timeout=120,
)
check("POST /materialize answers 200", response.status_code == 200, response.text)
response = requests.post(
    f"{url}/materialize",
    data=json.dumps({"feature_views": ["movie_catalogue"], "disable_event_timestamp": True}),
    timeout=120,
)
check("POST /materialize without event timestamps answers 200", response.status_code == 200, response.text)
response = requests.post(
    f"{url}/materialize-incremental",
    json={"end_ts": (now + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S")},
    timeout=120,
)
check("POST /materialize-incremental answers 200", response.status_code == 200, response.text)
response = requests.post(
    f"{url}/materialize",
    json={"start_ts": "2021-01-02T00:00:00", "end_ts": "2021-01-01T00:00:00"},
    timeout=30,
)
check("start_ts after end_ts is a 400", response.status_code == 400, response.text)
answer = store.get_online_features(
    features=["movie_catalogue:popularity"], entity_rows=[{"movie_id": 900001}, {"movie_id": 1}]
).to_dict()
check("materialized catalogue values are read by the SDK", answer["popularity"][1] is not None, answer)
check("pushed values newer than the offline data survive materialization", answer["popularity"][0] == 50.0, answer)
print("done", flush=True)
