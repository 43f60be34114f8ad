"""What the server shares between visitors: the byte-bounded caches, and the Adam the pages train with."""

import threading

import numpy as np
import pytest
import torch
from torch import nn

from models.adam import Adam
from ui.serving import ByteBoundedCache, array_bytes


def test_the_cache_evicts_least_recently_used_values_beyond_its_bytes():
    cache = ByteBoundedCache(budget=250, size=len)
    for key in "abc":
        cache.get(key, lambda key=key: key * 100)
    assert cache.cached("a") is None and cache.cached("b") and cache.cached("c")  # 300 bytes > 250
    cache.get("b", lambda: "never made again")
    cache.get("d", lambda: "d" * 100)
    assert cache.cached("b") == "b" * 100 and cache.cached("c") is None  # c was the least recent
    cache.get("huge", lambda: "x" * 1000)
    assert cache.cached("huge") and cache.cached("b") is None  # the newest stays, however large


def test_a_value_is_made_once_however_many_ask_at_once():
    cache, made, barrier = ByteBoundedCache(budget=10**6, size=len), [], threading.Barrier(8)

    def make():
        made.append(1)
        return "model"

    def ask():
        barrier.wait()
        assert cache.get("key", make) == "model"

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1


def test_a_failure_is_raised_and_not_kept():
    cache = ByteBoundedCache(budget=100, size=len)

    def fail():
        raise ValueError("empty input")

    with pytest.raises(ValueError):
        cache.get("bad", fail)
    assert cache.cached("bad") is None and cache.get("bad", lambda: "ok") == "ok"


def test_array_bytes_counts_the_arrays_of_an_analysis():
    states = {"h": np.zeros((10, 4), np.float32), "c": np.zeros((10, 4), np.float32)}
    assert array_bytes({"tokens": ["a"] * 10, "states": states, "image": np.zeros(8, np.uint8)}) == 328


def test_adam_steps_as_torch_optim_adam():
    torch.manual_seed(0)
    ours, reference = nn.Linear(5, 3), nn.Linear(5, 3)
    reference.load_state_dict(ours.state_dict())
    optimizers = Adam(ours.parameters(), lr=0.05), torch.optim.Adam(reference.parameters(), lr=0.05)
    inputs = torch.randn(16, 5)
    for _ in range(20):
        for model, optimizer in zip((ours, reference), optimizers):
            optimizer.zero_grad()
            model(inputs).pow(2).mean().backward()
            optimizer.step()
    for mine, theirs in zip(ours.parameters(), reference.parameters()):
        torch.testing.assert_close(mine, theirs, rtol=1e-6, atol=1e-6)
