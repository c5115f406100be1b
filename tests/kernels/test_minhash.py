"""Near-duplicate texts against an exhaustive check of the stated relation (fuzz.ratio >= 70 AND
Jaccard of informative 5-byte shingles >= 0.3), and the pieces it is built from."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from astroturf.kernels.minhash import (
    EMPTY16,
    agreement,
    common_slots,
    gram_hashes,
    lsh_candidates,
    minhash,
    profile_signatures,
    signature_words,
)
from astroturf.kernels.neardup import NearDupParams, informative_jaccard, near_duplicate_pairs

PARAMS = NearDupParams()
WORDS = ["pay", "great", "union", "warehouse", "managers", "kind", "shift", "benefits", "lies",
         "company", "town", "better", "jobs", "week", "über", "café", "team", "lead"]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shingles(text: str, k: int = 5) -> set[bytes]:
    b = text.encode()
    return {b[i:i + k] for i in range(len(b) - k + 1)}


def jaccard(x: str, y: str) -> float:
    sx, sy = shingles(x), shingles(y)
    return len(sx & sy) / len(sx | sy) if sx | sy else 0.0


def related(x: str, y: str) -> bool:
    """The stated relation, exhaustively (small inputs: every shingle is informative)."""
    return fuzz.ratio(x, y) >= PARAMS.threshold and jaccard(x, y) >= PARAMS.min_jaccard


@st.composite
def text_families(draw) -> np.ndarray:
    """Up to 10 distinct texts: variants (word swaps, insertions, deletions) of 1-3 bases."""
    word = st.sampled_from(WORDS)
    bases = draw(st.lists(st.lists(word, min_size=3, max_size=10), min_size=1, max_size=3))
    texts = set()
    for _ in range(draw(st.integers(2, 10))):
        t = list(draw(st.sampled_from(bases)))
        for _ in range(draw(st.integers(0, 3))):
            op, i = draw(st.integers(0, 2)), draw(st.integers(0, len(t) - 1))
            if op == 0:
                t[i] = draw(word)
            elif op == 1:
                t.insert(i, draw(word))
            elif len(t) > 2:
                t.pop(i)
        texts.add(" ".join(t))
    return np.array(sorted(texts), dtype=object)


def found(texts: np.ndarray) -> set[tuple[int, int]]:
    pairs = near_duplicate_pairs(texts)
    return set(zip(pairs["x"].tolist(), pairs["y"].tolist(), strict=True))


@FAST
@given(text_families())
def test_every_returned_pair_satisfies_the_relation(texts):
    assert not common_slots(texts, k=5, max_df=0.01).any()  # small input: all informative
    pairs = near_duplicate_pairs(texts)
    assert (pairs["x"] < pairs["y"]).all()
    assert list(zip(pairs["x"], pairs["y"], strict=True)) == sorted(
        zip(pairs["x"], pairs["y"], strict=True))
    for x, y, score, jac in pairs.itertuples(index=False):
        assert related(texts[x], texts[y])
        assert score == pytest.approx(fuzz.ratio(texts[x], texts[y]))
        assert jac == pytest.approx(jaccard(texts[x], texts[y]))


@FAST
@given(text_families())
def test_clear_near_duplicates_are_all_found(texts):
    """Recall where MinHash-LSH is near-certain (Jaccard >= 0.7: a miss needs all 20 bands to
    differ, probability ~1e-6): every related pair of the exhaustive check is returned."""
    got = found(texts)
    for x, y in combinations(range(len(texts)), 2):
        if related(texts[x], texts[y]) and jaccard(texts[x], texts[y]) >= 0.7:
            assert (x, y) in got, (texts[x], texts[y])


@pytest.mark.xfail(strict=True, reason="design: LSH (20 bands of 2) plus the 0.2 MinHash "
                   "prefilter miss related pairs near Jaccard 0.3 (~3 % of pairs here); "
                   "recall of the relation is not exhaustive even on small inputs")
def test_every_related_pair_is_found_on_small_inputs():
    rng = np.random.default_rng(0)
    missed = []
    for _ in range(60):
        bases = [list(rng.choice(WORDS, rng.integers(4, 10))) for _ in range(3)]
        texts = set()
        for _ in range(8):
            t = list(bases[rng.integers(3)])
            for _ in range(rng.integers(0, 4)):
                i = rng.integers(len(t))
                t[i] = str(rng.choice(WORDS))
            texts.add(" ".join(t))
        arr = np.array(sorted(texts), dtype=object)
        got = found(arr)
        missed += [(arr[x], arr[y]) for x, y in combinations(range(len(arr)), 2)
                   if related(arr[x], arr[y]) and (x, y) not in got]
    assert missed == []


def _salad(rng: np.random.Generator, vocab: list[str], n: int) -> list[str]:
    """Distinct Zipf(1.15) word salads of 5-12 tokens over ``vocab``."""
    p = 1.0 / np.arange(1, len(vocab) + 1) ** 1.15
    lens = rng.integers(5, 13, n)
    tok = np.array(vocab, dtype=object)[rng.choice(len(vocab), int(lens.sum()), p=p / p.sum())]
    return sorted({" ".join(t) for t in np.split(tok, np.cumsum(lens)[:-1])})


SCRIPTS = ["the new warehouse {} are great and the pay is better than anywhere in town",
           "honestly our union does nothing for us {} managers listen to every worker",
           "stop spreading lies about the company {} benefits are excellent for everyone"]
SLOTS = ["jobs", "shifts", "teams", "roles", "posts", "crews", "hours", "sites"]


def test_word_salad_of_frequent_words_is_not_near_duplicate_but_templates_are():
    rng = np.random.default_rng(0)
    salad = _salad(rng, ["with", "this", "they", "have", "from"], 30_000)
    templates = [s.format(w) for s in SCRIPTS for w in SLOTS]
    texts = np.array(salad + templates, dtype=object)
    sample = np.array(salad[:200], dtype=object)
    look_alike = cdist(sample, sample, scorer=fuzz.ratio) >= PARAMS.threshold
    assert look_alike.mean() > 0.2  # the ratio alone calls much of the salad alike
    pairs = near_duplicate_pairs(texts)
    n_salad = len(salad)
    assert not (pairs["x"] < n_salad).any()  # no salad text is anyone's near-duplicate
    got = set(zip(pairs["x"].tolist(), pairs["y"].tolist(), strict=True))
    for k in range(len(SCRIPTS)):
        block = range(n_salad + k * len(SLOTS), n_salad + (k + 1) * len(SLOTS))
        assert all(pair in got for pair in combinations(block, 2))  # all variants pair up


@pytest.mark.xfail(strict=True, reason="design: below the min_count=1000 floor the shingles "
                   "spanning two frequent words stay informative, and the Jaccard of texts "
                   "with 1-3 informative shingles is noise: a 6k-text export of salad from 12 "
                   "frequent words gives thousands of near-duplicate pairs")
def test_word_salad_of_frequent_words_in_a_small_export_is_not_near_duplicate():
    rng = np.random.default_rng(1)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, rng.integers(2, 8))) for _ in range(12)]
    texts = np.array(_salad(rng, vocab, 6_000), dtype=object)
    assert len(near_duplicate_pairs(texts)) == 0


@FAST
@given(st.lists(st.text(alphabet="abé ü", max_size=12), max_size=8), st.integers(1, 8))
def test_gram_hashes_are_per_text_windows(texts, k):
    arr = np.array(texts, dtype=object)
    h, n_sh = gram_hashes(arr, k)
    assert n_sh.tolist() == [max(len(t.encode()) - k + 1, 0) for t in texts]
    alone = [gram_hashes(np.array([t], dtype=object), k)[0] for t in texts]
    assert h.tolist() == [x for a in alone for x in a.tolist()]  # no window crosses texts
    for t, a in zip(texts, alone, strict=True):  # equal windows, equal hashes
        windows = [t.encode()[i:i + k] for i in range(len(a))]
        assert len(set(windows)) == len(set(a.tolist()))


@FAST
@given(text_families())
def test_informative_jaccard_is_exact_when_nothing_is_common(texts):
    pairs = list(combinations(range(len(texts)), 2))
    x = np.array([a for a, _ in pairs], dtype=np.int64)
    y = np.array([b for _, b in pairs], dtype=np.int64)
    common = np.zeros(1 << 22, dtype=bool)
    got = informative_jaccard(texts, x, y, k=5, common=common)
    np.testing.assert_allclose(got, [jaccard(texts[a], texts[b]) for a, b in zip(x, y,
                                                                                 strict=True)])


def test_informative_jaccard_ignores_common_shingles():
    texts = np.array(["alpha beta gamma", "alpha beta delta"], dtype=object)
    h, _ = gram_hashes(texts[:1], 5)
    common = np.zeros(1 << 22, dtype=bool)
    common[(h >> np.uint64(42)).astype(np.int64)] = True  # every shingle of text 0 is common
    x, y = np.array([0]), np.array([1])
    assert informative_jaccard(texts, x, y, k=5, common=common)[0] == 0.0
    assert 0 < informative_jaccard(texts, x, y, k=5, common=common * False)[0] < 1


def test_minhash_signatures_and_lsh_candidates():
    texts = np.array(["the pay is great and the managers are kind", "the pay is great and "
                      "the managers are kind", "tiny", "completely unrelated words about trains"],
                     dtype=object)
    sig = minhash(texts)
    assert sig.dtype == np.uint16 and sig.shape == (4, 40)
    assert (sig[0] == sig[1]).all()
    assert (sig[2] == EMPTY16).all()  # no shingle: never a candidate
    x, y = lsh_candidates(sig)
    assert list(zip(x.tolist(), y.tolist(), strict=True)) == [(0, 1)]


def test_hot_buckets_are_linked_as_stars():
    sig = np.zeros((30, 4), dtype=np.uint16)  # 30 identical rows: one hot bucket per band
    x, y = lsh_candidates(sig, rows=2, max_bucket=10, hot_links=2)
    pairs = set(zip(x.tolist(), y.tolist(), strict=True))
    assert len(pairs) == 29 + 28  # each member to the first two members, not 435 pairs
    assert all(a in (0, 1) for a, _ in pairs)


def test_neighbours_are_capped_to_the_best():
    base = "the warehouse pay is great and managers are kind to everyone in this town"
    texts = np.array([base] + [f"{base} {w}" for w in WORDS[:8]], dtype=object)
    full = near_duplicate_pairs(texts, NearDupParams(max_bucket=100))
    capped = near_duplicate_pairs(texts, NearDupParams(max_bucket=100, max_neighbours=2))
    assert len(capped) < len(full)
    ends = np.r_[capped["x"], capped["y"]]
    for _, row in capped.iterrows():  # every kept pair is among the 2 best of one end
        best = []
        for end in (row["x"], row["y"]):
            mine = full[(full["x"] == end) | (full["y"] == end)]
            best.append(row["score"] >= mine["score"].nlargest(2).min())
        assert any(best)
    assert np.bincount(ends).max() <= len(texts)


def test_near_duplicates_do_not_depend_on_input_order():
    texts = np.array([" ".join(v) for v in [WORDS[:8], WORDS[1:9], [*WORDS[:7], "café"],
                                            WORDS[9:17], [*WORDS[9:16], "pay"]]], dtype=object)
    perm = np.array([3, 0, 4, 1, 2])
    a = found(texts)
    b = {tuple(sorted((perm[x], perm[y]))) for x, y in found(texts[perm])}
    assert a == b and len(a) >= 2


def test_profile_signatures_empty_and_identical():
    sig = profile_signatures(pd.Series(["Proud FC ambassador", None, "", "Proud FC ambassador"]))
    assert (sig[0] == sig[3]).all()
    assert (sig[1] == EMPTY16).all() and (sig[2] == sig[1]).all()


# lane values where a carry or a sign bit would give a wrong count if the lanes leaked
_EDGE16 = st.sampled_from([0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFE, 0xFFFF])


@FAST
@given(k=st.integers(1, 13), n=st.integers(1, 30), data=st.data())
def test_agreement_counts_equal_positions_exactly(k, n, data):
    values = st.one_of(_EDGE16, st.integers(0, 0xFFFF))
    sig = np.array(data.draw(st.lists(st.lists(values, min_size=k, max_size=k), min_size=n,
                                      max_size=n)), dtype=np.uint16)
    m = data.draw(st.integers(0, 60))
    x = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), np.int64)
    y = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), np.int64)
    got = agreement(signature_words(sig), x, y, k, chunk=7)  # chunk edges exercised too
    assert got.tolist() == np.count_nonzero(sig[x] == sig[y], axis=1).tolist()


@FAST
@given(seed=st.integers(0, 10_000), min_agree=st.integers(1, 8))
def test_lsh_prefilter_inside_equals_filtering_after(seed, min_agree):
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, 4, size=(40, 8)).astype(np.uint16)  # small alphabet: many buckets
    sig[rng.random(40) < 0.1] = EMPTY16
    x, y = lsh_candidates(sig, max_bucket=5)
    keep = np.count_nonzero(sig[x] == sig[y], axis=1) >= min_agree
    fx, fy = lsh_candidates(sig, max_bucket=5, min_agree=min_agree)
    assert fx.tolist() == x[keep].tolist() and fy.tolist() == y[keep].tolist()
    # any other property of the pair, checked inside the LSH too: the same as filtering after
    size = rng.integers(0, 30, len(sig))
    keep &= (size[x] + size[y]) % 3 != 0
    fx, fy = lsh_candidates(sig, max_bucket=5, min_agree=min_agree,
                            pair_ok=lambda a, b: (size[a] + size[b]) % 3 != 0)
    assert fx.tolist() == x[keep].tolist() and fy.tolist() == y[keep].tolist()


def reference_lsh(sig: np.ndarray, rows: int, max_bucket: int, hot_links: int
                  ) -> list[tuple[int, int]]:
    """lsh_candidates' stated relation, by dictionaries: rows sharing a band's values pair;
    members of a bucket over ``max_bucket`` pair only with its first ``hot_links`` members."""
    pairs: set[tuple[int, int]] = set()
    for band in range(sig.shape[1] // rows):
        buckets: dict[tuple, list[int]] = {}
        for r in range(len(sig)):
            if sig[r, 0] != EMPTY16:
                buckets.setdefault(tuple(sig[r, band * rows:(band + 1) * rows]), []).append(r)
        for members in buckets.values():
            if len(members) <= max_bucket:
                pairs.update(combinations(members, 2))
            else:
                pairs.update((hub, m) for h, hub in enumerate(members[:hot_links])
                             for m in members[h + 1:])
    return sorted(pairs)


@FAST
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 3), n=st.integers(0, 60),
       max_bucket=st.integers(2, 8))
def test_lsh_candidates_equal_the_reference(seed, rows, n, max_bucket):
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, 3, size=(n, 3 * rows)).astype(np.uint16)  # small alphabet: hot keys
    sig[rng.random(n) < 0.1] = EMPTY16
    x, y = lsh_candidates(sig, rows=rows, max_bucket=max_bucket, hot_links=2)
    assert list(zip(x.tolist(), y.tolist(), strict=True)) == reference_lsh(sig, rows,
                                                                         max_bucket, 2)


def test_pair_ratios_in_blocks_equal_one_call(monkeypatch):
    from rapidfuzz.process import cpdist

    from astroturf.kernels import neardup

    rng = np.random.default_rng(1)
    # lengths from 1 to 12 words, half of them prefixes of one text (their ratio is the
    # length bound itself): with a cutoff, the bound rules some pairs out, others just pass
    line = rng.choice(WORDS, 12)
    strings = np.array([" ".join(rng.choice(WORDS, rng.integers(1, 13))) for _ in range(20)]
                       + [" ".join(line[:k]) for k in rng.integers(1, 13, 20)], dtype=object)
    x, y = rng.integers(0, 40, 101), rng.integers(0, 40, 101)
    n_chars = np.array([len(s) for s in strings])
    assert not neardup.ratio_can_reach(n_chars[x], n_chars[y], 60.0).all()
    monkeypatch.setattr(neardup, "_VERIFY_BLOCK", 7)
    for cutoff in (None, 60.0, 80.0):
        whole = cpdist(strings[x], strings[y], scorer=fuzz.ratio, score_cutoff=cutoff)
        got = neardup.pair_ratios(strings, x, y, score_cutoff=cutoff)
        assert got.dtype == whole.dtype and got.tolist() == whole.tolist()
    assert len(neardup.pair_ratios(strings, x[:0], y[:0])) == 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdé xyz😀", max_size=40), st.text(alphabet="abcdé xyz😀", max_size=40),
       st.sampled_from([50.0, 70.0, 80.0, 95.0]))
def test_the_length_bound_never_rules_out_a_passing_pair(a, b, threshold):
    """ratio_can_reach is exact as a filter: a pair whose fuzz.ratio reaches the threshold
    always passes it (lengths in characters, as rapidfuzz compares str)."""
    from astroturf.kernels.neardup import ratio_can_reach

    if fuzz.ratio(a, b) >= threshold:
        assert ratio_can_reach(np.array([len(a)]), np.array([len(b)]), threshold)[0]
    # a text and its own prefix: the bound is reached exactly, so it is tight
    la = np.arange(1, 60)
    lb = np.full_like(la, 40)
    exact = np.array([fuzz.ratio("a" * int(n), "a" * 40) for n in la])
    np.testing.assert_array_equal(ratio_can_reach(la, lb, threshold), exact >= threshold)


def test_bio_clusters_drop_only_pairs_the_lengths_rule_out():
    """Bios of very different lengths never reach the edit similarity; the ones that do are
    all still found."""
    from astroturf.signals.bios import near_duplicate_clusters

    base = "proud member of the amazon fulfillment team, love my job"
    texts = pd.Series([base, base + "!", base.replace("love", "luv"), base[:20],
                       base + " " + base, "something else entirely, nothing alike at all"],
                      dtype="str")
    labels, i, j, sim = near_duplicate_clusters(texts, threshold=0.8)
    got = {(int(x), int(y)) for x, y in zip(i, j, strict=True)}
    want = {(x, y) for x, y in combinations(range(len(texts)), 2)
            if fuzz.ratio(texts[x], texts[y]) >= 80}
    assert got == want and {(0, 1), (0, 2), (1, 2)} <= got
    np.testing.assert_allclose(sim, [fuzz.ratio(texts[x], texts[y]) / 100 for x, y in
                                     zip(i, j, strict=True)])
    assert labels[0] == labels[1] == labels[2] != labels[3]



def test_informative_jaccard_splits_a_block_too_large_to_pack(monkeypatch):
    import astroturf.kernels.neardup as nd

    texts = np.array(["the pay is great and the managers are kind", "the pay is great and "
                      "the managers are so kind", "nothing alike at all in this one here",
                      "the pay is great"], dtype=object)
    x, y = np.array([0, 0, 1, 2]), np.array([1, 2, 3, 3])
    common = np.zeros(1 << 22, dtype=bool)
    want = informative_jaccard(texts, x, y, k=5, common=common)
    sizes = []
    real = nd._jaccard_block

    def counted(texts, x, y, k, common):
        sizes.append(len(x))
        return real(texts, x, y, k, common)

    monkeypatch.setattr(nd, "_jaccard_block", counted)
    monkeypatch.setattr(nd, "_PACK_BITS", 8)  # as if the texts were megabytes long
    got = informative_jaccard(texts, x, y, k=5, common=common)
    np.testing.assert_array_equal(got, want)
    assert sizes == [4, 2, 1, 1, 2, 1, 1]  # halved down to single pairs, joined in order
