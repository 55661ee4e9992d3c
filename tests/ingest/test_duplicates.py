"""duplicate_failures: exact duplicates collapse, same key with other values is refused (hash pre-filter
must give exactly what comparing whole frames gives)."""

import numpy as np
import pandas as pd

from tianyan.ingest import load
from tianyan.ingest.pipeline import duplicate_failures
from tianyan.registry import load_feeds


def _naive(feed, good):
    exact = good.duplicated(keep="first")
    rest = good[~exact]
    vkey = [*feed.key, "changed_at"] if load.versions_at_changed_at(feed) else list(feed.key)
    clash = rest.duplicated(subset=vkey, keep=False)
    return sorted(rest.index[clash]), sorted(good.index[exact])


def test_hash_prefilter_matches_whole_frame_comparison():
    feed = load_feeds()["civil_affairs.assistance_payments"]
    rng = np.random.default_rng(7)
    n = 5000
    frame = pd.DataFrame({c: pd.Series([f"{c}{v}" for v in rng.integers(0, 10**6, n)], dtype=object)
                          for c in feed.column_names})
    key = feed.key[0]
    frame[key] = [f"P{i}" for i in range(n)]
    frame.loc[rng.choice(n, 300), feed.column_names[-1]] = None
    frame.iloc[100:110] = frame.iloc[0:10].to_numpy()  # exact duplicates (with their Nones)
    frame.loc[200:204, key] = frame.loc[300:304, key].to_numpy()  # same key, other values
    frame.iloc[400] = frame.iloc[300].to_numpy()  # key clash AND an exact duplicate of one side
    frame.index = pd.RangeIndex(n) * 3  # labels are not positions after bad rows were dropped
    fails, collapsed = duplicate_failures(feed, frame)
    clash, exact = _naive(feed, frame)
    assert sorted(fails["row"].tolist()) == clash and sorted(collapsed.tolist()) == exact
    assert (len(exact), len(clash)) == (11, 10)
    assert set(fails["rule"]) == {"unique"}


def test_no_duplicates_and_empty_frames():
    feed = load_feeds()["health.death_certificates"]
    frame = pd.DataFrame({c: pd.Series([f"{c}{i}" for i in range(50)], dtype=object) for c in feed.column_names})
    fails, collapsed = duplicate_failures(feed, frame)
    assert fails.empty and len(collapsed) == 0
    fails, collapsed = duplicate_failures(feed, frame.iloc[:0])
    assert fails.empty and len(collapsed) == 0
