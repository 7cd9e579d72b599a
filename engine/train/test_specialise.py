"""Checks specialise.py: subset sizes follow the mix, subsets are disjoint and follow the model's own routing, and the
loss is 0 when every row's gate mass is on its group's experts and grows with the mass outside them.

Run: /usr/bin/python3 engine/train/test_specialise.py   (exit 1 on failure)
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import DEFAULT_MIX  # noqa: E402
from specialise import GROUPS, assign, capacities, outside_mass, preference_masks  # noqa: E402


class FakeMoE:  # a stand-in for model.MoE: only the gate scores the loss reads
    def __init__(self, scores):
        self.last_scores = scores


class FakeModel:
    def __init__(self, layers):
        self.layers = layers

    def moe_layers(self):
        return list(self.layers.items())


def main():
    assert capacities(DEFAULT_MIX, 16) == {"code": 8, "math": 3, "general": 5}, capacities(DEFAULT_MIX, 16)
    assert sum(capacities({"code": 1, "math": 1, "prose": 1}, 7).values()) == 7

    # expert e is used mostly by group e % 3: the assignment must follow that where capacity allows
    counts = {g: [100 if e % 3 == gi else 5 for e in range(12)] for gi, g in enumerate(GROUPS)}
    got = assign(counts, {"code": 4, "math": 4, "general": 4})
    assert got == {g: [e for e in range(12) if e % 3 == gi] for gi, g in enumerate(GROUPS)}, got
    got = assign(counts, {"code": 6, "math": 3, "general": 3})
    ids = sorted(sum(got.values(), []))
    assert ids == list(range(12)) and len(got["code"]) == 6, got  # disjoint, complete, sized
    assert set(got["math"]) <= {1, 4, 7, 10}, got

    prefs = {"1": {"code": [0, 1], "math": [2], "general": [3]}}
    masks = preference_masks(prefs, 4)
    T = 3
    domains = ["code", "math", "chat"]  # chat counts as general
    inside = torch.zeros(len(domains) * T, 4)
    for r, e in enumerate([0, 2, 3]):
        inside[r * T:(r + 1) * T, e] = 1.0
    zero = outside_mass(FakeModel({1: FakeMoE(inside)}), masks, domains, T).item()
    assert abs(zero) < 1e-7, zero
    half = inside.clone()
    half[:, 1] += 1.0  # expert 1: inside for code, outside for math and general
    got = outside_mass(FakeModel({1: FakeMoE(half)}), masks, domains, T).item()
    assert abs(got - (0 + 0.5 + 0.5) / 3) < 1e-6, got
    print("specialise: ok")


if __name__ == "__main__":
    main()
