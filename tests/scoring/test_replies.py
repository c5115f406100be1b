import pandas as pd

from astroturf.schema import coerce_posts
from astroturf.scoring.replies import member_replies, reply_columns, tone_counts
from astroturf.scoring.tone import is_english, tone_labels

T0 = pd.Timestamp("2024-03-01 12:00", tz="UTC")
CRITIC = "Working conditions at the warehouse are horrible and dangerous. Shameful!"
UPBEAT = "I love my job here, the pay is great and the managers really care!"


def _posts(lang: str | None = "en") -> pd.DataFrame:
    rows = []
    for i in range(12):
        rows.append((f"c{i}", f"critic{i % 4}", "post", CRITIC + f" {i}", None, None, 0))
        for k, m in enumerate(("m1", "m2", "m3")):
            rows.append((f"r{i}{m}", m, "reply", f"@critic {UPBEAT}", f"c{i}", None,
                         600 + 30 * k))
    df = pd.DataFrame(rows, columns=["post_id", "account_id", "kind", "text", "target_post_id",
                                     "target_account_id", "secs"])
    df["created_at"] = T0 + pd.to_timedelta(df.pop("secs"), unit="s")
    df["lang"] = lang
    return coerce_posts(df)


MEMBERS = pd.DataFrame({"account_id": ["m1", "m2", "m3"], "cluster_id": "7"})


def test_whom_they_answer_and_the_tone_contrast():
    r = member_replies(_posts(), MEMBERS)
    assert (r["target_account_id"].str.startswith("critic")).all()  # filled from the target
    assert r["delay_s"].between(600, 660).all()
    cols = reply_columns(r, tone_counts(r), pd.Series({"critic0": "critic_zero"}))
    row = cols.set_index("cluster_id").loc["7"]
    assert (row["n_replies"], row["n_replied_posts"], row["n_replied_accounts"]) == (36, 12, 4)
    assert row["replied_negative_share"] == 1.0 and row["replies_positive_share"] == 1.0
    assert row["tone"].startswith("12 of the 12 posts they answer are negative")
    assert "critic_zero" in row["top_reply_targets"]


def test_tone_not_assessed_for_other_languages():
    r = member_replies(_posts(lang="de"), MEMBERS)
    row = reply_columns(r, tone_counts(r), pd.Series(dtype=str)).iloc[0]
    assert row["tone"] == "tone: not assessed (replies not in English)"
    assert pd.isna(row["replies_positive_share"])


def test_tone_sample_is_bounded_and_reported():
    r = member_replies(_posts(), MEMBERS)
    counts = tone_counts(r, max_tone=10)
    replies = counts[counts["side"] == "replies"].iloc[0]
    assert replies["n"] == 10 and replies["total"] == 36
    assert "(a sample)" in reply_columns(r, counts, pd.Series(dtype=str))["tone"].iloc[0]


def test_english_by_lang_or_function_words():
    texts = pd.Series(["this is the one we want", "der Hund ist hier und da", "ok", None])
    lang = pd.Series([None, None, None, "en"], dtype="str")
    assert is_english(texts, lang).tolist() == [True, False, False, True]
    labels = tone_labels(pd.Series([UPBEAT, CRITIC, "Das ist schlecht"]),
                         pd.Series(["en", "en-GB", "de"]))
    assert labels.tolist()[:2] == ["positive", "negative"] and pd.isna(labels.iloc[2])
