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


def fold_names(names: pd.Series) -> pd.Series:
    """Homoglyph/confusable folding so that 'Amaz0nFCLe0na' and 'AmazonFCLeona' compare equal.

    NFKC, diacritics stripped, look-alike letters and leet digits mapped, casefolded, everything
    that is not a letter or digit removed. Missing or empty results are NA.
    """
    s = names.astype("str").str.normalize("NFKC").str.normalize("NFKD")
    s = s.str.replace(r"[\u0300-\u036f]", "", regex=True).str.translate(_FOLD_TABLE)
    s = s.str.casefold().str.replace(r"[\W_]+", "", regex=True)
    return s.mask(s.str.len() == 0)


def name_shapes(names: pd.Series) -> pd.Series:
    """Character-class shape of each name: 'JohnSmith1987' -> 'AaAa9999', 'rick_fc' -> 'a_a'."""
    s = names.astype("str").str.normalize("NFKC").str.normalize("NFKD")
    s = s.str.replace(r"[\u0300-\u036f]", "", regex=True).str.translate(_LOOKALIKE_TABLE)
    s = s.str.replace(r"[A-Z]+", "\x01", regex=True).str.replace(r"[a-z]+", "\x02", regex=True)
    s = s.str.replace(r"[^\W\d_]+", "\x03", regex=True).str.replace(r"\d", "9", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.replace(r"[^\w\s\x01-\x03]+", ".", regex=True)
    s = s.str.strip().str.translate(_SHAPE_TABLE)
    return s.mask(s.str.len() == 0)


def name_tokens(names: pd.Series, *, min_len: int = 3) -> pd.DataFrame:
    """Word tokens of each name (camelCase, separators, letter/digit boundaries split), folded.

    'roy_amb665' -> roy, amb; 'AmazonFCRick' -> amazon, rick ('FC' is too short).
    Out columns: pos (position in ``names``), token. Pure-digit tokens are dropped.
    """
    s = names.astype("str").str.normalize("NFKC").str.normalize("NFKD")
    s = s.str.replace(r"[\u0300-\u036f]", "", regex=True).str.translate(_LOOKALIKE_TABLE)
    # leet digits inside words: 'Le0na' -> 'Leona', 'L30na' -> 'Leona'; '2018' stays
    s = s.str.replace(r"(?<=[A-Za-z])[0135@$]+(?=[A-Za-z])",
                      lambda m: m.group(0).translate(_LEET_TABLE), regex=True)
    s = s.str.replace(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", regex=True)
    s = s.str.replace(r"(?<=\D)(?=\d)|(?<=\d)(?=\D)", " ", regex=True).str.casefold()
    tok = s.str.split(r"[\W_]+", regex=True).explode()
    tok = tok[tok.str.len().ge(min_len) & ~tok.str.isdigit().fillna(True)]
    return pd.DataFrame({"pos": tok.index.to_numpy(), "token": tok.to_numpy()})


def _affix_pairs(codes: np.ndarray, folded: pd.Series, *, suffix: bool, min_affix: int,
                 max_group: int, n_pop: int, max_p_value: float) -> pd.DataFrame:
    """Pairs sharing an affix, judged on their LONGEST shared affix (one test per pair).

    p = P(two random accounts of the population share an affix at least that long): long shared
    affixes are strong unless the population is full of them; a popular key (2 % of accounts)
    weighs down every pair of its length.
    """
    base = folded.str[::-1] if suffix else folded
    lens = base.str.len().fillna(0).to_numpy(dtype=np.int64)
    parts = []
    for length in range(min_affix, min(int(lens.max(initial=0)), _MAX_AFFIX) + 1):
        m = lens >= length
        parts.append(pd.DataFrame({"code": codes[m], "L": length,
                                   "key": base[m].str.slice(0, length).to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["a", "b", "key", "size", "p_value", "n_keys"])
    df = pd.concat(parts, ignore_index=True)
    kid, kuniq = pd.factorize(df["key"], sort=True)
    sizes = np.bincount(kid)
    df = df.assign(kid=kid, size=sizes[kid])
    keys = df.drop_duplicates("kid")
    # P(a random pair shares an affix of length >= L): every pair sharing a longer affix also
    # shares the length-L one, so this is the pair mass of all length-L keys
    mass = keys["size"].astype(float) * (keys["size"] - 1) / (n_pop * (n_pop - 1.0))
    p_of = np.ones(len(sizes))
    p_of[keys["kid"].to_numpy()] = np.minimum(mass.groupby(keys["L"]).transform("sum"), 1.0)
    useful = p_of[df["kid"].to_numpy()] <= max_p_value
    df = df[(df["size"] >= 2) & (df["size"] <= max_group) & useful]
    # a key whose one-longer extension has the same members adds no pairs: keep the longest
    df = df.sort_values(["code", "L"], kind="stable")
    longer_same = (df["code"].shift(-1) == df["code"]) & (df["size"].shift(-1) == df["size"])
    df = df[~longer_same.to_numpy()].sort_values(["kid", "code"], kind="stable")
    k, c, lv = df["kid"].to_numpy(), df["code"].to_numpy(), df["L"].to_numpy()
    i, j = pairs_within_groups(k)
    pairs = pd.DataFrame({"a": c[i], "b": c[j], "kid": k[i], "L": lv[i]})
    pairs = pairs.sort_values(["a", "b", "L"], ascending=[True, True, False], kind="stable")
    pairs = pairs.drop_duplicates(["a", "b"], keep="first")
    key = pd.Series(np.asarray(kuniq, dtype=object)[pairs["kid"].to_numpy()], dtype="str")
    return pd.DataFrame({"a": pairs["a"].to_numpy(), "b": pairs["b"].to_numpy(),
                         "key": (key.str[::-1] if suffix else key).to_numpy(),
                         "size": sizes[pairs["kid"].to_numpy()],
                         "p_value": p_of[pairs["kid"].to_numpy()], "n_keys": 1})


def _family_pairs(codes: np.ndarray, raw: pd.Series, folded: pd.Series, *, min_affix: int,
                  max_group: int, n_pop: int, max_p_value: float) -> pd.DataFrame:
    frames = []
    # p-values are Bonferroni-corrected below; max_p_value >= 1 means no filter at all
    cap = max_p_value / len(FAMILIES) if max_p_value < 1.0 else 1.0
    for family in FAMILIES:
        if family == "shape":
            pairs = shared_key_pairs(codes, name_shapes(raw).reset_index(drop=True),
                                     n_population=n_pop, max_group=max_group, max_p_value=cap)
        elif family == "token":
            tok = name_tokens(raw.reset_index(drop=True))
            pairs = shared_key_pairs(codes[tok["pos"].to_numpy(dtype=np.int64)],
                                     tok["token"].astype("str"), n_population=n_pop,
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
    folded = fold_names(acc[field])
    acc, folded = acc[folded.notna()].reset_index(drop=True), folded.dropna().reset_index(drop=True)
    if len(acc) < 2:
        return empty_channel(signal)
    codes = np.arange(len(acc), dtype=np.int64)
    pairs = _family_pairs(codes, acc[field], folded, min_affix=min_affix, max_group=max_group,
                          n_pop=len(acc), max_p_value=auto_max_p(len(acc), max_p_value))
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
