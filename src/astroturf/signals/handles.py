"""Handle / display-name templating: accounts whose names come from one pattern.

Paid ambassador accounts are often named from a template (AmazonFCRick, AmazonFCLeona,
Amaz0nFCLe0na) or with one fixed suffix ("Rick | Amazon FC"). Names are folded (NFKC, casefold,
diacritics and Cyrillic/Greek look-alikes to Latin, 0->o 1->l 3->e 5->s @->a $->s, separators
dropped) and three key families are extracted per account:

- ``prefix``: the longest folded prefix (>= ``min_affix`` characters) two accounts share,
- ``suffix``: the same from the end,
- ``token``: a word inside the name ('roy_amb665', 'mark_amb330' share 'amb'),
- ``shape``: character classes of the unfolded name (``Aa9999`` = word+word+4 digits).

Pairs are enumerated inside each key (keys with > ``max_group`` members are set aside). Affix
p-values are P(two random accounts of the population share an affix at least that long) (so a
prefix shared by 2 % of accounts is weak, an 8-letter prefix shared by 12 of 10 000 is strong);
token and shape p-values are the rarity tail of the key (``minhash.rarity_tail``). The best
family is kept per pair, Bonferroni-corrected for the four families.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from astroturf.kernels.keys import auto_max_p, pairs_within_groups, shared_key_pairs
from astroturf.signals.base import ChannelEdges, channel_to_schema, empty_channel, profile_channel

log = logging.getLogger("astroturf.signals.handles")

SIGNAL_FOR_FIELD = {"handle": "handle_pattern", "display_name": "name_pattern"}
FAMILIES = ("prefix", "suffix", "token", "shape")
_MAX_AFFIX = 32

# Cyrillic / Greek letters that render like Latin ones (lower and upper case), plus leetspeak.
_LOOKALIKE = dict(zip(
    "асеорхуіјѕԁԛԝкмтвнгАСЕОРХУІЈЅКМТВНΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχ",
    "aceopxyijsdqwkmtbhrACEOPXYIJSKMTBHABEZHIKMNOPTYXabeiknoptux", strict=True))
_LEET = {"0": "o", "1": "l", "3": "e", "5": "s", "@": "a", "$": "s"}
_FOLD_TABLE = str.maketrans({**_LOOKALIKE, **_LEET})
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKE)
_LEET_TABLE = str.maketrans(_LEET)
_SHAPE_TABLE = str.maketrans({"\x01": "A", "\x02": "a", "\x03": "L"})


def decompose_names(names: pd.Series) -> pd.Series:
    """NFKC, then NFKD with the combining diacritics removed: the first step of every name
    form below (computed once per scan and passed as ``decomposed``)."""
    s = names.astype("str").str.normalize("NFKC").str.normalize("NFKD")
    return s.str.replace(r"[\u0300-\u036f]", "", regex=True)


def fold_names(names: pd.Series, *, decomposed: pd.Series | None = None) -> pd.Series:
    """Homoglyph/confusable folding so that 'Amaz0nFCLe0na' and 'AmazonFCLeona' compare equal.

    NFKC, diacritics stripped, look-alike letters and leet digits mapped, casefolded, everything
    that is not a letter or digit removed. Missing or empty results are NA.
    """
    s = decompose_names(names) if decomposed is None else decomposed
    s = s.str.translate(_FOLD_TABLE)
    s = s.str.casefold().str.replace(r"[\W_]+", "", regex=True)
    return s.mask(s.str.len() == 0)


def name_shapes(names: pd.Series, *, decomposed: pd.Series | None = None) -> pd.Series:
    """Character-class shape of each name: 'JohnSmith1987' -> 'AaAa9999', 'rick_fc' -> 'a_a'."""
    s = decompose_names(names) if decomposed is None else decomposed
    s = s.str.translate(_LOOKALIKE_TABLE)
    s = s.str.replace(r"[A-Z]+", "\x01", regex=True).str.replace(r"[a-z]+", "\x02", regex=True)
    s = s.str.replace(r"[^\W\d_]+", "\x03", regex=True).str.replace(r"\d", "9", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.replace(r"[^\w\s\x01-\x03]+", ".", regex=True)
    s = s.str.strip().str.translate(_SHAPE_TABLE)
    return s.mask(s.str.len() == 0)


def name_tokens(names: pd.Series, *, min_len: int = 3,
                decomposed: pd.Series | None = None) -> pd.DataFrame:
    """Word tokens of each name (camelCase, separators, letter/digit boundaries split), folded.

    'roy_amb665' -> roy, amb; 'AmazonFCRick' -> amazon, rick ('FC' is too short).
    Out columns: pos (position in ``names``), token. Pure-digit tokens are dropped.
    """
    s = decompose_names(names) if decomposed is None else decomposed
    s = s.str.translate(_LOOKALIKE_TABLE)
    # leet digits inside words: 'Le0na' -> 'Leona', 'L30na' -> 'Leona'; '2018' stays
    s = s.str.replace(r"(?<=[A-Za-z])[0135@$]+(?=[A-Za-z])",
                      lambda m: m.group(0).translate(_LEET_TABLE), regex=True)
    s = s.str.replace(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", regex=True)
    s = s.str.replace(r"(?<=\D)(?=\d)|(?<=\d)(?=\D)", " ", regex=True).str.casefold()
    tok = s.str.split(r"[\W_]+", regex=True).explode()
    tok = tok[tok.str.len().ge(min_len) & ~tok.str.isdigit().fillna(True)]
    return pd.DataFrame({"pos": tok.index.to_numpy(), "token": tok.to_numpy()})


def _adjacent_lcp(words: np.ndarray) -> np.ndarray:
    """Longest common prefix (characters, at most ``_MAX_AFFIX``) of each sorted word with
    the one before it (-1 for the first). ``words``: fixed-width '<U_MAX_AFFIX' array."""
    n = len(words)
    lcp = np.full(n, -1, np.int64)
    if n < 2:
        return lcp
    chars = words.view(np.uint32).reshape(n, _MAX_AFFIX)
    differ = chars[1:] != chars[:-1]
    first = np.where(differ.any(axis=1), differ.argmax(axis=1), _MAX_AFFIX)
    lens = np.char.str_len(words)
    lcp[1:] = np.minimum(first, np.minimum(lens[1:], lens[:-1]))
    return lcp


def _affix_pairs(codes: np.ndarray, folded: pd.Series, *, suffix: bool, min_affix: int,
                 max_group: int, n_pop: int, max_p_value: float) -> pd.DataFrame:
    """Pairs sharing an affix, judged on their LONGEST shared affix (one test per pair).

    p = P(two random accounts of the population share an affix at least that long): long shared
    affixes are strong unless the population is full of them; a popular key (2 % of accounts)
    weighs down every pair of its length.

    The keys of every length come from one sort of the (reversed, for suffixes) names: the
    accounts sharing a prefix of length L are a run of the sorted names whose adjacent common
    prefixes are all >= L, so no string is sliced per length.
    """
    base = folded.str[::-1] if suffix else folded
    words = np.asarray(base.str.slice(0, _MAX_AFFIX).to_numpy(dtype=object),
                       dtype=f"<U{_MAX_AFFIX}")
    order = np.argsort(words, kind="stable")
    words = words[order]
    slen = np.char.str_len(words).astype(np.int64)
    lcp = _adjacent_lcp(words)
    parts, n_keys, key_parts = [], 0, []
    for length in range(min_affix, min(int(slen.max(initial=0)), _MAX_AFFIX) + 1):
        # a name shorter than L shares no L-prefix: it starts and ends a run of its own
        m = slen >= length
        run = np.cumsum(lcp[m] < length) - 1
        sizes = np.bincount(run)
        first_pos = np.minimum.reduceat(order[m], np.r_[0, np.cumsum(sizes)[:-1]])
        key_parts.append(pd.DataFrame({"L": length, "first": first_pos, "size": sizes}))
        parts.append((order[m], np.full(int(m.sum()), length), run + n_keys, sizes[run]))
        n_keys += len(sizes)
    if not parts:
        return pd.DataFrame(columns=["a", "b", "key", "size", "p_value", "n_keys"])
    pos, lv, kid, size = (np.concatenate(x) for x in zip(*parts, strict=True))
    # P(a random pair shares an affix of length >= L): every pair sharing a longer affix also
    # shares the length-L one, so this is the pair mass of all length-L keys (summed in the
    # order the keys are first met among the accounts: the same float sum on every run)
    keys = pd.concat(key_parts, ignore_index=True).sort_values(["L", "first"], kind="stable")
    mass = keys["size"].astype(float) * (keys["size"] - 1) / (n_pop * (n_pop - 1.0))
    p_len = np.minimum(mass.groupby(keys["L"].to_numpy()).sum().to_numpy(), 1.0)
    p = p_len[lv - min_affix]
    keep = (size >= 2) & (size <= max_group) & (p <= max_p_value)
    df = pd.DataFrame({"code": codes[pos[keep]], "L": lv[keep], "kid": kid[keep],
                       "size": size[keep], "p": p[keep], "pos": pos[keep]})
    # a key whose one-longer extension has the same members adds no pairs: keep the longest
    df = df.sort_values(["code", "L"], kind="stable")
    longer_same = (df["code"].shift(-1) == df["code"]) & (df["size"].shift(-1) == df["size"])
    df = df[~longer_same.to_numpy()].sort_values(["kid", "code"], kind="stable")
    k, c, lv = df["kid"].to_numpy(), df["code"].to_numpy(), df["L"].to_numpy()
    i, j = pairs_within_groups(k)
    pairs = pd.DataFrame({"a": c[i], "b": c[j], "L": lv[i], "size": df["size"].to_numpy()[i],
                          "p": df["p"].to_numpy()[i], "pos": df["pos"].to_numpy()[i]})
    pairs = pairs.sort_values(["a", "b", "L"], ascending=[True, True, False], kind="stable")
    pairs = pairs.drop_duplicates(["a", "b"], keep="first")
    src = base.to_numpy(dtype=object)[pairs["pos"].to_numpy()]
    key = pd.Series([w[:n] for w, n in zip(src, pairs["L"].to_numpy().tolist(), strict=True)],
                    dtype="str")
    return pd.DataFrame({"a": pairs["a"].to_numpy(), "b": pairs["b"].to_numpy(),
                         "key": (key.str[::-1] if suffix else key).to_numpy(),
                         "size": pairs["size"].to_numpy(), "p_value": pairs["p"].to_numpy(),
                         "n_keys": 1})


def _tokens_of_accounts(uid: np.ndarray, tok: pd.DataFrame, n_names: int
                        ) -> tuple[np.ndarray, pd.Series]:
    """(account position, token) rows from the tokens of distinct names (``tok.pos`` indexes
    the distinct names, ``uid`` gives each account's distinct name)."""
    members = np.argsort(uid, kind="stable")
    per_name = np.bincount(uid, minlength=n_names)
    start = np.cumsum(per_name) - per_name
    pos = tok["pos"].to_numpy(np.int64)
    reps = per_name[pos]
    row = np.repeat(np.arange(len(pos)), reps)
    offset = np.arange(len(row)) - np.repeat(np.cumsum(reps) - reps, reps)
    return (members[start[pos][row] + offset],
            pd.Series(tok["token"].to_numpy(dtype=object)[row], dtype="str"))


def _family_pairs(codes: np.ndarray, uid: np.ndarray, names: pd.Series, decomposed: pd.Series,
                  folded: pd.Series, *, min_affix: int, max_group: int, n_pop: int,
                  max_p_value: float) -> pd.DataFrame:
    """Pairs of the four families, best kept per pair. ``names`` / ``decomposed`` are the
    distinct raw names (positional index) and ``uid`` each account's one among them: the
    string work is done once per distinct name."""
    frames = []
    # p-values are Bonferroni-corrected below; max_p_value >= 1 means no filter at all
    cap = max_p_value / len(FAMILIES) if max_p_value < 1.0 else 1.0
    for family in FAMILIES:
        if family == "shape":
            shapes = name_shapes(names, decomposed=decomposed).to_numpy(dtype=object)[uid]
            pairs = shared_key_pairs(codes, pd.Series(shapes, dtype="str"),
                                     n_population=n_pop, max_group=max_group, max_p_value=cap)
        elif family == "token":
            at, token = _tokens_of_accounts(uid, name_tokens(names, decomposed=decomposed),
                                            len(names))
            pairs = shared_key_pairs(codes[at], token, n_population=n_pop,
                                     max_group=max_group, max_p_value=cap)
        else:
            pairs = _affix_pairs(codes, folded, suffix=family == "suffix", min_affix=min_affix,
                                 max_group=max_group, n_pop=n_pop, max_p_value=cap)
        frames.append(pairs.assign(family=family))
    out = pd.concat(frames, ignore_index=True)
    out["p_value"] = np.minimum(out["p_value"].astype(float) * len(FAMILIES), 1.0)
    out = out.sort_values(["a", "b", "p_value", "family"], kind="stable")
    n_keys = out.groupby(["a", "b"], sort=False)["n_keys"].transform("sum")
    out = out.assign(n_keys=n_keys.to_numpy()).drop_duplicates(["a", "b"], keep="first")
    return out.reset_index(drop=True)


def handle_pattern_channel(sd, *, field: str = "handle", min_affix: int = 4,
                           max_group: int = 200, max_p_value: float | None = None
                           ) -> ChannelEdges:
    """Pairs of accounts whose ``field`` (handle or display_name) follows one template.

    Signal 'handle_pattern' (field='handle') or 'name_pattern'; weight = shared affix length /
    shorter folded name (0.5 for a shape); ``expected`` = ``p_value``; the key of each pair is
    its shared affix/token/shape (one key: set aside whole by the cluster test). Pairs weaker
    than ``max_p_value`` are not returned (None: ``kernels.keys.auto_max_p``).
    """
    signal = SIGNAL_FOR_FIELD.get(field, f"{field}_pattern")
    accounts = sd.accounts
    if field not in accounts.columns or "account_id" not in accounts.columns:
        return empty_channel(signal)
    acc = accounts[["account_id", field]].dropna().drop_duplicates("account_id")
    acc = acc.assign(code=sd.codes_of(acc["account_id"].astype("str")))
    acc = acc[acc["code"] >= 0].sort_values("code", kind="stable").reset_index(drop=True)
    uid, distinct = pd.factorize(acc[field])
    names = pd.Series(np.asarray(distinct, dtype=object), dtype="str")
    decomposed = decompose_names(names)
    folded = fold_names(names, decomposed=decomposed).to_numpy(dtype=object)[uid]
    ok = pd.notna(folded)
    acc, uid = acc[ok].reset_index(drop=True), uid[ok]
    folded = pd.Series(folded[ok], dtype="str")
    if len(acc) < 2:
        return empty_channel(signal)
    codes = np.arange(len(acc), dtype=np.int64)
    pairs = _family_pairs(codes, uid, names, decomposed, folded, min_affix=min_affix,
                          max_group=max_group, n_pop=len(acc),
                          max_p_value=auto_max_p(len(acc), max_p_value))
    if pairs.empty:
        return empty_channel(signal)
    raw = acc[field].to_numpy(dtype=object)
    flen = folded.str.len().to_numpy()
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    key_len = pairs["key"].astype(str).str.len().to_numpy()
    affix = np.isin(pairs["family"].to_numpy(), ["prefix", "suffix", "token"])
    weight = np.where(affix, key_len / np.maximum(np.minimum(flen[a], flen[b]), 1), 0.5)
    key_id = pd.factorize(pairs["family"].astype(str) + "\t" + pairs["key"].astype(str))[0]
    n_pop = len(acc)
    sd_codes = acc["code"].to_numpy(np.int64)

    def render(f: pd.DataFrame) -> np.ndarray:
        return (field + " '" + pd.Series(f["name_a"].to_numpy()).astype(str) + "' / '"
                + pd.Series(f["name_b"].to_numpy()).astype(str) + "' share "
                + f["family"].astype(str).to_numpy() + " '" + f["key"].astype(str).to_numpy()
                + "' (" + f["size"].astype(int).astype(str).to_numpy() + f" of {n_pop} "
                "accounts)").to_numpy(dtype=object)

    ca, cb = sd_codes[a], sd_codes[b]
    swap = ca > cb
    log.debug("%s: %d pairs from %d accounts", signal, len(pairs), len(acc))
    return profile_channel(
        signal, ca, cb, p_value=pairs["p_value"].to_numpy(float),
        weight=np.minimum(weight, 1.0), n_events=pairs["n_keys"].to_numpy(np.int64),
        key=key_id, render=render,
        extra={"name_a": np.where(swap, raw[b], raw[a]), "name_b": np.where(swap, raw[a], raw[b]),
               "family": pairs["family"].to_numpy(dtype=object),
               "key": pairs["key"].to_numpy(dtype=object), "size": pairs["size"].to_numpy()})


def handle_pattern_edges(accounts: pd.DataFrame, *, field: str = "handle", min_affix: int = 4,
                         max_group: int = 200, max_p_value: float | None = None) -> pd.DataFrame:
    """Schema edges of ``handle_pattern_channel`` for an accounts table (see there)."""
    from astroturf.schema import empty_posts
    from astroturf.signals.coactions import scan_data

    sd = scan_data(empty_posts(), accounts)
    ch = handle_pattern_channel(sd, field=field, min_affix=min_affix, max_group=max_group,
                                max_p_value=max_p_value)
    return channel_to_schema(ch, sd)
