"""Gephi-ready account graphs (GEXF 1.3, GraphML), written without extra dependencies.

One node per account that appears in an edge (attributes: handle, score, flagged, cluster_id),
one undirected edge per account pair with every signal fused: ``weight`` = sum of the signals'
weights, ``signals`` = the signal names, ``n_events`` = sum, ``q_value``/``p_value`` = the
smallest of the pair's edges. XML is assembled with vectorised string operations (the edge
table can have millions of rows), escaping every value and dropping characters XML forbids.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from astroturf import __version__
from astroturf.errors import UsageError
from astroturf.report.atomic import atomic_write_text
from astroturf.schema import ScanResult

log = logging.getLogger("astroturf.report.graphfile")

GRAPH_FORMATS = {"gexf": ".gexf", "graphml": ".graphml"}
# name -> (source column, xml type); missing values are simply left out of the file.
NODE_ATTRS = {"handle": "string", "score": "double", "flagged": "boolean", "cluster_id": "string"}
EDGE_ATTRS = {"signals": "string", "n_events": "long", "p_value": "double", "q_value": "double",
              "cluster_id": "string"}
_XML_BAD = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"


def xml_escape(col: pd.Series) -> pd.Series:
    """Attribute/text-safe strings: & < > \" ' escaped, XML-invalid control chars removed."""
    s = col.astype("str").str.replace(_XML_BAD, "", regex=True)
    for raw, ent in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                     ("'", "&apos;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        s = s.str.replace(raw, ent, regex=False)
    return s


def _as_text(col: pd.Series, xml_type: str) -> pd.Series:
    """Values as XML text (NA stays NA): booleans 'true'/'false', numbers repr-like."""
    if xml_type == "boolean":
        b = col.astype("boolean")
        return b.map({True: "true", False: "false"}).astype("str").where(b.notna())
    if xml_type in ("double", "long"):
        num = pd.to_numeric(col, errors="coerce")
        if xml_type == "long":
            num = num.astype("Int64")
        return num.astype("str").where(num.notna())
    return xml_escape(col).where(col.notna())


def graph_pairs(edges: pd.DataFrame) -> pd.DataFrame:
    """One row per account pair: account_a, account_b, weight, signals, n_events, p_value,
    q_value, cluster_id. Signals sorted and comma-joined; rows sorted by pair."""
    e = edges.copy()
    for c in ("p_value", "q_value"):
        if c not in e.columns:
            e[c] = float("nan")
    cid = e["cluster_id"] if "cluster_id" in e.columns else pd.Series("", index=e.index)
    e["cluster_id"] = cid.astype("str").fillna("")
    g = e.groupby(["account_a", "account_b"], sort=True)
    out = g.agg(weight=("weight", "sum"), n_events=("n_events", "sum"), p_value=("p_value", "min"),
                q_value=("q_value", "min"), cluster_id=("cluster_id", "max")).reset_index()
    out["signals"] = _signal_lists(e, g.ngroup().to_numpy(), len(out))
    out["cluster_id"] = out["cluster_id"].mask(out["cluster_id"] == "")
    return out


def _signal_lists(e: pd.DataFrame, pair_no: np.ndarray, n_pairs: int) -> pd.Series:
    """Comma-joined sorted signal names per pair; one vectorised pass per distinct signal."""
    joined = pd.Series("", index=range(n_pairs), dtype="str")
    signal = e["signal"].astype("str").to_numpy(dtype=object)
    for name in sorted(set(signal)):
        has = np.zeros(n_pairs, dtype=bool)
        has[pair_no[signal == name]] = True
        joined = joined.where(~has, joined + name + ",")
    return joined.str.removesuffix(",")


def graph_nodes(result: ScanResult, pairs: pd.DataFrame) -> pd.DataFrame:
    """Sorted node table (account_id + NODE_ATTRS) for every account that has an edge."""
    ids = pd.Series(pd.unique(pd.concat([pairs["account_a"], pairs["account_b"]])), dtype="str")
    nodes = pd.DataFrame({"account_id": ids.sort_values(kind="stable").to_numpy()})
    acc = result.accounts.reindex(columns=["account_id", *NODE_ATTRS])
    acc = acc.drop_duplicates("account_id", keep="first")
    nodes = nodes.merge(acc, on="account_id", how="left", sort=False)
    nodes["cluster_id"] = nodes["cluster_id"].astype("str").mask(lambda s: s == "")
    return nodes


def _attrs_gexf(df: pd.DataFrame, spec: dict[str, str]) -> pd.Series:
    body = pd.Series("", index=df.index, dtype="str")
    for i, (name, xml_type) in enumerate(spec.items()):
        val = _as_text(df[name], xml_type)
        body = body + ('<attvalue for="' + str(i) + '" value="' + val + '"/>').fillna("")
    return "<attvalues>" + body + "</attvalues>"


def _decl_gexf(spec: dict[str, str], cls: str) -> str:
    rows = "".join(f'<attribute id="{i}" title="{n}" type="{t}"/>'
                   for i, (n, t) in enumerate(spec.items()))
    return f'    <attributes class="{cls}">{rows}</attributes>'


def gexf_text(nodes: pd.DataFrame, pairs: pd.DataFrame) -> str:
    """A GEXF 1.3 document (undirected, static)."""
    nid = xml_escape(nodes["account_id"])
    label = xml_escape(nodes["handle"].fillna(nodes["account_id"]))
    node_xml = ('      <node id="' + nid + '" label="' + label + '">'
                + _attrs_gexf(nodes, NODE_ATTRS) + "</node>")
    eid = pd.Series(range(len(pairs)), index=pairs.index).astype("str")
    edge_xml = ('      <edge id="' + eid + '" source="' + xml_escape(pairs["account_a"])
                + '" target="' + xml_escape(pairs["account_b"]) + '" weight="'
                + _as_text(pairs["weight"], "double").fillna("0") + '">'
                + _attrs_gexf(pairs, EDGE_ATTRS) + "</edge>")
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
        f"  <meta><creator>astroturf {__version__}</creator>"
        "<description>account coordination graph</description></meta>",
        '  <graph mode="static" defaultedgetype="undirected">',
        _decl_gexf(NODE_ATTRS, "node"), _decl_gexf(EDGE_ATTRS, "edge"), "    <nodes>",
    ]
    tail = ["    </edges>", "  </graph>", "</gexf>", ""]
    return "\n".join([*head, *node_xml.tolist(), "    </nodes>", "    <edges>",
                      *edge_xml.tolist(), *tail])


def _data_graphml(df: pd.DataFrame, spec: dict[str, str], prefix: str) -> pd.Series:
    body = pd.Series("", index=df.index, dtype="str")
    for name, xml_type in spec.items():
        val = _as_text(df[name], xml_type)
        body = body + ('<data key="' + prefix + name + '">' + val + "</data>").fillna("")
    return body


def graphml_text(nodes: pd.DataFrame, pairs: pd.DataFrame) -> str:
    """A GraphML document (undirected) readable by Gephi, networkx, igraph, yEd."""
    espec = {"weight": "double", **EDGE_ATTRS}
    keys = [f'  <key id="n_{n}" for="node" attr.name="{n}" attr.type="{t}"/>'
            for n, t in NODE_ATTRS.items()]
    keys += [f'  <key id="e_{n}" for="edge" attr.name="{n}" attr.type="{t}"/>'
             for n, t in espec.items()]
    node_xml = ('    <node id="' + xml_escape(nodes["account_id"]) + '">'
                + _data_graphml(nodes, NODE_ATTRS, "n_") + "</node>")
    edge_xml = ('    <edge source="' + xml_escape(pairs["account_a"]) + '" target="'
                + xml_escape(pairs["account_b"]) + '">'
                + _data_graphml(pairs, espec, "e_") + "</edge>")
    head = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">', *keys,
            '  <graph id="astroturf" edgedefault="undirected">']
    return "\n".join([*head, *node_xml.tolist(), *edge_xml.tolist(), "  </graph>",
                      "</graphml>", ""])


def write_graph(result: ScanResult, path: Path, *, fmt: str = "gexf") -> Path:
    """Write the fused account graph of ``result.edges`` to ``path`` as GEXF or GraphML.

    edges in: account_a, account_b, signal, weight, n_events (+ p_value, q_value, cluster_id).
    accounts in: account_id, handle, score, flagged, cluster_id. Deterministic, atomic.
    """
    if fmt not in GRAPH_FORMATS:
        raise UsageError(f"unknown graph format {fmt!r}",
                         hint=f"choose from {', '.join(GRAPH_FORMATS)}")
    pairs = graph_pairs(result.edges)
    nodes = graph_nodes(result, pairs)
    text = gexf_text(nodes, pairs) if fmt == "gexf" else graphml_text(nodes, pairs)
    log.debug("graph %s: %d nodes, %d edges", path, len(nodes), len(pairs))
    return atomic_write_text(path, text)
