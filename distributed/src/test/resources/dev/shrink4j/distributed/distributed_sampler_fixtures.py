#!/usr/bin/env python3
"""Writes distributed_sampler_pytorch.json: the indices PyTorch's DistributedSampler gives each rank.

Run from this directory with Debian's python3-torch (1.13):  python3 distributed_sampler_fixtures.py
DistributedSamplerTest compares shrink4j's DistributedSampler with these values.
"""
import json

import torch
from torch.utils.data.distributed import DistributedSampler

# (dataset size, world size, seed, epoch, shuffle, drop_last)
CASES = [
    (10, 2, 0, 0, True, False),
    (10, 3, 7, 2, True, False),     # padded: 12 positions for 10 samples
    (10, 3, 7, 2, True, True),      # cut: 9 positions
    (5, 4, 3, 1, True, False),      # world close to the dataset size
    (2, 5, 0, 0, True, False),      # padding repeats the order more than once
    (11, 2, 0, 0, False, False),    # no shuffling: identity, padded
    (103, 2, 42, 0, True, False),
    (103, 2, 42, 1, True, False),   # next epoch: seed + 1
    (1000, 4, 123456789, 5, True, False),
]

out = []
for n, world, seed, epoch, shuffle, drop_last in CASES:
    ranks = []
    for rank in range(world):
        s = DistributedSampler(list(range(n)), num_replicas=world, rank=rank, shuffle=shuffle, seed=seed,
                               drop_last=drop_last)
        s.set_epoch(epoch)
        ranks.append(list(s))
    out.append({"n": n, "world": world, "seed": seed, "epoch": epoch, "shuffle": shuffle, "drop_last": drop_last,
                "torch": torch.__version__, "ranks": ranks})

with open("distributed_sampler_pytorch.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
