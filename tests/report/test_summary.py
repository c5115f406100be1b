from astroturf.report.summary import format_summary

from . import SCRIPT, make_result


def test_header_and_top_cluster_reasons():
    text = format_summary(make_result(), width=80)
    lines = text.splitlines()
    assert lines[0] == ("Scanned 6 posts from 4 accounts: 2 candidate clusters, 1 flagged "
                        "at FDR 0.05.")
    assert lines[2].startswith("Cluster 1 [FLAGGED]  size 3  score 0.96  q 3e-07")
    joined = " ".join(line.strip() for line in lines)
    assert "3 accounts posted the same talking point within 40 s" in joined
    assert "bios 93% alike" in joined
    assert "@fc_ambassador_1" in text
    assert text.index("Cluster 1") < text.index("Cluster 2")
    assert all(len(line) <= 80 for line in lines)
    assert "\x1b" not in text


def test_top_limit_files_line_and_color():
    text = format_summary(make_result(), top=1, outdir="out", files=["out/report.html",
                                                                      "out/accounts.csv"])
    assert "Cluster 2" not in text and "1 more cluster(s)" in text
    assert text.rstrip().endswith("Results in out: accounts.csv, report.html")
    colored = format_summary(make_result(), color=True)
    assert "\x1b[1m" in colored and "\x1b[31mFLAGGED" in colored


def test_control_characters_in_handles_are_neutralised():
    result = make_result()
    result.accounts.loc[0, "handle"] = "evil\x1b[2Jclear"
    text = format_summary(result)
    assert "\x1b" not in text and "evil [2Jclear" in text
    assert SCRIPT in text  # plain text output: shown verbatim, nothing to escape


def test_no_clusters():
    result = make_result()
    result.clusters = result.clusters.iloc[:0]
    text = format_summary(result)
    assert "0 candidate clusters, 0 flagged" in text
