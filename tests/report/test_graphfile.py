import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from astroturf.errors import UsageError
from astroturf.report.graphfile import graph_pairs, write_graph

from . import SCRIPT, make_result

GEXF = "{http://gexf.net/1.3}"


def test_fuse_pairs_sums_and_lists_signals():
    pairs = graph_pairs(make_result().edges)
    row = pairs[(pairs["account_a"] == "a1") & (pairs["account_b"] == "a2")].iloc[0]
    assert row["signals"] == "bio_similar,co_text"
    assert row["weight"] == pytest.approx(2.93) and row["n_events"] == 3
    assert row["q_value"] == pytest.approx(3e-6)
    assert pairs[["account_a", "account_b"]].values.tolist() == [
        ["a1", "a2"], ["a1", "a3"], ["a2", "a3"], ["a3", "a4"]]


def test_gexf_parses_with_escaped_attributes(tmp_path):
    path = write_graph(make_result(), tmp_path / "g.gexf", fmt="gexf")
    root = ET.parse(path).getroot()
    assert root.tag == f"{GEXF}gexf" and root.get("version") == "1.3"
    graph = root.find(f"{GEXF}graph")
    assert graph.get("defaultedgetype") == "undirected"
    nodes = graph.findall(f"{GEXF}nodes/{GEXF}node")
    edges = graph.findall(f"{GEXF}edges/{GEXF}edge")
    assert [n.get("id") for n in nodes] == ["a1", "a2", "a3", "a4"]
    assert nodes[2].get("label") == SCRIPT
    assert len(edges) == 4 and edges[0].get("weight") == "2.93"
    decl = {a.get("title"): a.get("id") for a in graph.find(f"{GEXF}attributes[@class='edge']")}
    vals = {v.get("for"): v.get("value") for v in edges[0].iter(f"{GEXF}attvalue")}
    assert vals[decl["signals"]] == "bio_similar,co_text"


def test_graphml_reads_back_in_networkx(tmp_path):
    nx = pytest.importorskip("networkx", reason="networkx (dev-only) checks GraphML validity")
    path = write_graph(make_result(), tmp_path / "g.graphml", fmt="graphml")
    g = nx.read_graphml(path)
    assert not g.is_directed()
    assert sorted(g.nodes) == ["a1", "a2", "a3", "a4"]
    assert g.nodes["a3"]["handle"] == SCRIPT and g.nodes["a1"]["flagged"] is True
    assert g.nodes["a1"]["score"] == pytest.approx(0.97)
    assert g.edges["a1", "a2"]["n_events"] == 3
    assert g.edges["a1", "a2"]["signals"] == "bio_similar,co_text"
    assert "cluster_id" not in g.edges["a3", "a4"]  # '' cluster left out, not ""


def test_control_characters_dropped_and_deterministic(tmp_path):
    result = make_result()
    result.accounts.loc[0, "handle"] = "bad\x01\x0bname & co"
    a = write_graph(result, tmp_path / "a.graphml", fmt="graphml").read_bytes()
    ET.fromstring(a)
    result.edges = result.edges.sample(frac=1, random_state=1)
    result.accounts = result.accounts.iloc[::-1]
    b = write_graph(result, tmp_path / "b.graphml", fmt="graphml").read_bytes()
    assert a == b


def test_empty_graph_and_bad_format(tmp_path):
    result = make_result()
    result.edges = result.edges.iloc[:0]
    for fmt in ("gexf", "graphml"):
        ET.parse(write_graph(result, tmp_path / f"e.{fmt}", fmt=fmt))
    with pytest.raises(UsageError):
        write_graph(result, tmp_path / "x.dot", fmt="dot")


def test_missing_optional_columns(tmp_path):
    result = make_result()
    result.edges = result.edges.drop(columns=["q_value", "cluster_id"])
    result.accounts = pd.DataFrame({"account_id": ["a1"], "handle": ["x"]})
    root = ET.parse(write_graph(result, tmp_path / "m.gexf")).getroot()
    assert len(root.findall(f".//{GEXF}node")) == 4
