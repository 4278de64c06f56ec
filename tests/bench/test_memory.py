"""The bench's memory figures: the resident pages of each mapped file, and a peak that can start again."""

import sys

import numpy as np
import pytest

from qa_bot.bench.memory import mapped_by_file, peak_rss_mb, reset_peak, rss_now
from qa_bot.index.mapped import load_npy, release_all

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")


def test_the_pages_read_of_a_mapped_file_are_attributed_to_it(tmp_path):
    np.save(tmp_path / "v.npy", np.ones((2048, 256), dtype=np.float32), allow_pickle=False)  # 2 MB
    array = load_npy(tmp_path / "v.npy")
    assert mapped_by_file(tmp_path) == {}
    assert float(array.sum()) == 2048 * 256
    assert mapped_by_file(tmp_path)["v.npy"] >= 1.5
    release_all()
    assert mapped_by_file(tmp_path) == {}


def test_the_peak_starts_again_from_what_is_resident_now():
    block = np.ones(64 * 2**20, dtype=np.uint8)  # 64 MB touched, then freed
    del block
    high = peak_rss_mb()
    assert reset_peak()
    assert peak_rss_mb() < high - 32
    assert {"VmRSS", "RssAnon", "RssFile"} <= set(rss_now())
