"""Placing columns in roles: candidates scored by name and values, assigned best first.

Split from ``columns`` (which holds the synonyms, the --map handling and the public entry
points). A candidate is a (role, column) pair whose name matches the role; its confidence is
the name score times how well the sampled values fit. Columns are assigned in order of
confidence, each column to one role (the account id also serves the accounts table). What
was refused, weak or ambiguous becomes a note; a missing required role is an InputError whose
hint offers only columns whose values fit the role and whose name claims no other role.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from astroturf.errors import InputError
from astroturf.io import columns as col
from astroturf.io import values as val
from astroturf.io.roles import ACCOUNT, REPOST, name_scores, name_tokens

_LABEL = {"posts.account_id": "account id", "accounts.account_id": "account id",
          "posts.created_at": "post time", "accounts.created_at": "account creation time",
          "posts.repost_target": "reposted post id", "posts.reply_target": "replied-to post id",
          "posts.quote_target": "quoted post id", "posts.post_id": "post id"}


@dataclass(frozen=True)
class _Candidate:
    key: str
    column: str
    name_score: float
    fit: float | None
    how: str

    @property
    def confidence(self) -> float:
        factor = col.NO_SAMPLE_FIT if self.fit is None else 0.5 + 0.5 * self.fit
        return round(self.name_score * factor, 2)


def label(key: str) -> str:
    return _LABEL.get(key, key.split(".", 1)[1].replace("_", " "))


def _name_candidates(column: str, keys: list[str], table: str) -> dict[str, tuple[float, str]]:
    """key -> (name score, how) for every role ``column``'s name may hold."""
    out: dict[str, tuple[float, str]] = {}
    words = name_scores(column, profile_table=table == "accounts")
    for key in keys:
        exact = col.exact_score(key, column, table)
        by_words = words.get(key, 0.0)
        if exact >= by_words and exact > 0:
            out[key] = (exact, "exact name")
        elif by_words > 0:
            out[key] = (by_words, "name words")
    return out


def _value_check(key: str, column: str, sample: pd.DataFrame | None
                 ) -> tuple[float | None, str | None]:
    """(fit, None) when the values may hold ``key``, else (fit, reason refused)."""
    if sample is None or column not in sample:
        return None, None
    values = sample[column]
    share = val.present_share(values)
    if share < val.MIN_PRESENT.get(key, 0.0):
        return None, f"only {share:.0%} of its rows have a value"
    words = set(name_tokens(column))
    if key == "posts.kind" and words <= REPOST | {"of", "is"} and not val.looks_like_flags(values):
        return None, "its values are not 0/1 flags"
    if key in ("posts.repost_target", "posts.reply_target", "posts.quote_target") and (
            val.looks_like_flags(values)):
        return None, "its values are 0/1 flags, not post ids"
    kind = val.VALUE_KIND.get(key)
    if kind is None:  # any value will do: sure when there are some
        return (1.0 if share > 0 else None), None
    fit = val.fit(kind, values, ids_allowed=bool(words & {"id", "ids"}))
    if fit is not None and fit < val.MIN_FIT[kind]:
        return fit, f"only {fit:.0%} of its values look like {kind}s"
    return fit, None


def _candidates(columns: list[str], sample: pd.DataFrame | None, keys: list[str], table: str,
                notes: list[str]) -> list[_Candidate]:
    out = []
    for column in columns:
        for key, (score, how) in _name_candidates(column, keys, table).items():
            fit, refused = _value_check(key, column, sample)
            if refused:
                if score >= 0.7:
                    notes.append(f"column {column!r} looks like the {label(key)} by name, "
                                 f"but {refused}: not used for it")
                continue
            out.append(_Candidate(key, column, score, fit, how))
    return out


def assign_roles(columns: list[str], sample: pd.DataFrame | None, *, forced: dict[str, str],
                 source: str, tables: tuple[str, ...]) -> col.Roles:
    """Roles of ``columns`` (``forced``: resolved --map overrides, '' = disabled)."""
    table = "accounts" if tables == ("accounts",) else "posts"
    keys = col.key_order(tables)
    matches = {k: col.RoleMatch(c, 1.0, "--map") for k, c in forced.items() if c}
    disabled = {k for k, c in forced.items() if not c}
    used = set(forced.values()) - {""}
    notes: list[str] = []
    free = [c for c in columns if c not in used]
    cands = _candidates(free, sample, [k for k in keys if k not in forced], table, notes)
    order = {k: i for i, k in enumerate(keys)}
    cands.sort(key=lambda c: (-c.confidence, order[c.key], columns.index(c.column)))
    for cand in cands:
        if cand.key in matches or cand.key in disabled or cand.column in used:
            continue
        if cand.key == "accounts.account_id" and "posts.account_id" in matches:
            continue
        matches[cand.key] = col.RoleMatch(cand.column, cand.confidence, cand.how)
        used.add(cand.column)
    roles = col.Roles(matches=matches, notes=notes)
    _account_id(roles, sample, table)
    _report_doubts(roles, cands, forced)
    id_key = "posts.account_id" if table == "posts" else "accounts.account_id"
    required = col.REQUIRED_KEYS if table == "posts" else ("accounts.account_id",)
    for key in required:
        if key not in roles.matches:
            raise _missing(key, columns, roles, sample, source, table)
    placed = {m.column for m in roles.matches.values()}
    roles.unplaced = [c for c in columns if c not in placed]
    if table == "posts":
        roles.matches.setdefault("accounts.account_id", roles.matches[id_key])
    return roles


def _account_id(roles: col.Roles, sample: pd.DataFrame | None, table: str) -> None:
    """No id column: the handle column serves as account id. A bare 'author'/'account' column
    of names is also the handle."""
    key = "posts.account_id" if table == "posts" else "accounts.account_id"
    m = roles.matches
    handle = m.get("accounts.handle")
    if key not in m and handle is not None:
        m[key] = col.RoleMatch(handle.column, handle.confidence, "handle as id")
        roles.account_id_from_handle = True
        roles.notes.append(f"no account-id column: the handle column {handle.column!r} serves "
                           f"as the account id (a renamed account becomes a new account)")
        return
    chosen = m.get(key)
    if chosen is None or chosen.how == "--map" or handle is not None:
        return
    bare = set(name_tokens(chosen.column)) <= ACCOUNT
    if bare and sample is not None and chosen.column in sample and val.looks_like_handles(
            sample[chosen.column]):
        m["accounts.handle"] = col.RoleMatch(chosen.column, chosen.confidence, "handle as id")
        roles.account_id_from_handle = True
        roles.notes.append(f"column {chosen.column!r} holds handles: they serve as the account "
                           f"id (a renamed account becomes a new account)")


def _report_doubts(roles: col.Roles, cands: list[_Candidate], forced: dict[str, str]) -> None:
    placed = {m.column for m in roles.matches.values()}
    for key, match in sorted(roles.matches.items()):
        if key in forced or match.how == "handle as id":
            continue
        field = key.split(".", 1)[1]
        rivals = [c for c in cands if c.key == key and c.column not in placed]
        if rivals and max(r.confidence for r in rivals) >= match.confidence - col.AMBIGUOUS_MARGIN:
            rival = max(rivals, key=lambda r: r.confidence)
            roles.notes.append(
                f"ambiguous {label(key)}: {match.column!r} ({match.confidence:.2f}) or "
                f"{rival.column!r} ({rival.confidence:.2f}); took {match.column!r} "
                f"(--map {field}={rival.column} for the other)")
        elif match.confidence < col.WEAK_BELOW:
            roles.notes.append(f"weak match: {label(key)} <- {match.column!r} "
                               f"(confidence {match.confidence:.2f}); check with "
                               f"`astroturf inspect`, or set it with --map {field}=COLUMN")


def hint_columns(key: str, columns: list[str], roles: col.Roles,
                 sample: pd.DataFrame | None, table: str) -> list[str]:
    """Unplaced columns that could hold ``key``: values fit, no other role claims the name."""
    from rapidfuzz import fuzz, process

    placed = {m.column for m in roles.matches.values()}
    out = []
    for column in columns:
        if column in placed:
            continue
        claims = {k for k, s in name_scores(column, profile_table=table == "accounts").items()
                  if s >= 0.5 and k != key}
        if claims:
            continue
        if sample is not None and column in sample:
            fit, refused = _value_check(key, column, sample)
            if refused or fit is None:
                continue
        out.append(column)
    synonyms = col.SYNONYMS.get(key if key in col.SYNONYMS else "posts.account_id", ())

    def closeness(column: str) -> float:
        match = process.extractOne(column, synonyms, scorer=fuzz.WRatio,
                                   processor=col.normalise)
        return match[1] if match else 0.0

    return sorted(out, key=lambda c: (-closeness(c), columns.index(c)))[:3]


def _missing(key: str, columns: list[str], roles: col.Roles, sample: pd.DataFrame | None,
             source: str, table: str) -> InputError:
    field = key.split(".", 1)[1]
    what = label(key)
    best = hint_columns(key, columns, roles, sample, table)
    if best:
        hint = "Did you mean: " + ", ".join(f"--map {field}={c}" for c in best)
    else:
        kind = val.VALUE_KIND.get(key, "value")
        hint = (f"no column's name and values fit the {what} ({kind}s); add one, or name it "
                f"with --map {field}=COLUMN")
    details = f"Columns found: {col.list_columns(columns)}"
    if roles.notes:
        details += "\n  " + "\n  ".join(roles.notes)
    return InputError(f"no column for the {what}.", source=source or None, details=details,
                      hint=hint)
