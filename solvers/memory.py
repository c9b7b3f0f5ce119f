"""Memory estimates: how much a Clarabel solve would need, and how much the machine has.

Clarabel (interior point) stores the scaling of each PSD cone of order n as a dense block
of order k = n(n+1)/2 in its KKT system and factors that system with a sparse LDL^T in
which the block fills in completely. Its peak memory is about

    57 * sum_i k_i^2  +  128 * nnz(A)  +  1024 * (rows + columns)      bytes,

the sum running over the dense PSD blocks Clarabel keeps. The k^2 coefficient, 7.1 times
the 8 k^2 bytes of one dense copy of a block (the scaling block, the KKT matrix and its
permuted copy with 8-byte row indices, their index maps and the L factor), was fitted to
the peak RSS (VmHWM growth) of Clarabel 0.11.1 on SDPs of order n = 40..160; the peak is
reached in the setup, before the first iteration (max_iter=0 gives the same peak as a full
solve). Measured MiB (estimate):

    max-cut (diag X = 1)   n = 40: 37.5 (38.3)   60: 171 (186)    80: 530 (578)
                           n = 100: 1277 (1397)  120: 2631 (2880)  140: 4854 (5316)
                           n = 160: 8255 (9045)  two cones of 100: 2548 (2794)
    K-means (X >= 0, X1=1) n = 60: 211 (188)     100: 1405 (1404)  140: 5290 (5329)
    dense LMI, 20 vars     n = 100: 1403 (1404)  140: 5287 (5329);  200 vars, n = 100: 1515 (1515)
    LipSDP-Neuron (random) 10-50-50-10: 1454 (1575)   10-150-10: 8251 (9031)
                           20-80-80-80-10 (order 260, decomposed): 18997 (19457)

Clarabel splits a PSD cone whose aggregate sparsity pattern (the entries in whose rows
[A b] has a stored entry, plus the diagonal) is not complete into the cliques of a chordal
extension (`chordal_decomposition_enable`, on by default) and merges cliques where that
lowers sum k^3; only the merged cliques' blocks are dense. `psd_cone_blocks` imitates
that: SuperLU's minimum-degree ordering (Clarabel uses AMD) gives the cliques and a greedy
merge with Clarabel's weight t(|C1|)^3 + t(|C2|)^3 - t(|C1 u C2|)^3 >= 0 the merged ones.
Measured MiB (estimate) for patterns of order n: four diagonal blocks, n = 120: 48 (56);
band of width 20, n = 300: 320 (393); layered (LipSDP-like) 30-50-50-50: 3266 (3371);
arrow (a dense border of w rows), n = 400, w = 40: 2873 (3479), but w = 20: 1259 (553)
and n = 200, w = 10: 159 (54): when many cliques share one separator, the fill between
them in Clarabel's factorisation is not counted and the estimate is low by up to 2.5x.
"""
from __future__ import annotations

import heapq
import os
import weakref

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from optlib.cones import svec_indices, svec_size
from optlib.standard_form import StandardForm

#: Fitted peak bytes of Clarabel per squared PSD block size k^2, per stored nonzero of A,
#: and per row or column of the problem (see the module docstring).
BYTES_PER_K2 = 57
BYTES_PER_NNZ = 128
BYTES_PER_ROW = 1024

_UNLIMITED = 1 << 60   # cgroup v1 reports "no limit" as a number near 2^63


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


def _meminfo_available() -> int | None:
    text = _read("/proc/meminfo")
    if text is None:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            parts = line.split()
            return int(parts[1]) * 1024 if len(parts) > 1 and parts[1].isdigit() else None
    return None


def _stat_value(text: str | None, key: str) -> int:
    for line in (text or "").splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


def _int_file(path: str) -> int | None:
    text = _read(path)
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else None   # "max" (cgroup v2: no limit) -> None


def _cgroup_available() -> int | None:
    """Memory left under this container's cgroup limit (limit - usage + reclaimable file
    cache), or None without a limit. cgroup v2 first, then v1."""
    for limit_f, usage_f, stat_f, inactive in (
            ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat",
             "inactive_file"),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
             "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file")):
        limit = _int_file(limit_f)
        if limit is None or limit >= _UNLIMITED:
            continue
        usage = _int_file(usage_f) or 0
        cache = _stat_value(_read(stat_f), inactive)
        return max(0, limit - usage + cache)
    return None


def _sysconf_available() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return int(pages) * int(page) if pages > 0 and page > 0 else None


def available_memory_bytes() -> int | None:
    """Bytes this process can still allocate without swapping: MemAvailable of
    /proc/meminfo, or the room left under the cgroup memory limit if that is lower; else
    the free physical pages (os.sysconf); None when the system does not say."""
    found = [v for v in (_meminfo_available(), _cgroup_available()) if v is not None]
    if found:
        return min(found)
    return _sysconf_available()


# -- Clarabel ----------------------------------------------------------------------------
def _row_pattern(sf: StandardForm) -> np.ndarray:
    """Rows where [A b] has a stored entry (Clarabel's aggregate sparsity mask)."""
    A = sf.A.tocsr()
    return (np.diff(A.indptr) > 0) | (np.asarray(sf.b) != 0)


def _elimination_cliques(n: int, r: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    """The maximal cliques (vertex arrays, numbered in elimination order) of a chordal
    extension of the graph on n vertices with the edges (r, c), r > c: the column
    structures of the LDL^T factor of a matrix of that pattern in SuperLU's minimum-degree
    order (MMD on A + A', symmetric mode, diagonal pivots: perm_r == perm_c)."""
    rng = np.random.default_rng(0)
    vals = rng.uniform(0.5, 1.0, r.size)   # generic values: no exact cancellation in L
    off = sp.coo_matrix((vals, (r, c)), shape=(n, n)).tocsc()
    M = (off + off.T + sp.diags(np.full(n, float(n) + 1.0))).tocsc()   # diagonally dominant
    lu = spla.splu(M, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                   options={"SymmetricMode": True})
    L = lu.L.tocsc()
    L.sort_indices()
    counts = np.diff(L.indptr)                      # |clique of column j| (diagonal included)
    maximal = np.ones(n, dtype=bool)
    for j in range(n):
        if counts[j] > 1:                           # parent: first row below the diagonal
            below = L.indices[L.indptr[j]:L.indptr[j + 1]]
            parent = below[below > j]
            if parent.size and counts[j] == counts[parent[0]] + 1:
                maximal[parent[0]] = False          # its clique is column j's minus j
    starts, ends = L.indptr[:-1][maximal], L.indptr[1:][maximal]
    return [L.indices[a:b] for a, b in zip(starts, ends)]


#: Above this many pairs of intersecting cliques the merge is not simulated (the unmerged
#: cliques over-estimate, never under-estimate, what Clarabel keeps).
MAX_MERGE_PAIRS = 200_000


def _merge_cliques(cliques: list[np.ndarray]) -> list[int]:
    """Orders of the cliques after Clarabel's clique-graph merge, approximated greedily:
    merge the intersecting pair with the largest weight t(|C1|)^3 + t(|C2|)^3 - t(|C1 u C2|)^3
    (t(s) = s(s+1)/2) while that weight is >= 0. Clarabel's candidates are the edges of the
    reduced clique graph that pass its permissibility test; here all intersecting pairs are."""
    p = len(cliques)
    sets = [set(map(int, cl)) for cl in cliques]
    n = 1 + max(max(s) for s in sets)
    B = sp.csr_matrix((np.ones(sum(len(s) for s in sets)),
                       (np.repeat(np.arange(p), [len(s) for s in sets]),
                        np.concatenate([np.asarray(cl, dtype=np.int64) for cl in cliques]))), shape=(p, n))
    inter = sp.triu(B @ B.T, k=1).tocoo()
    if inter.nnz > MAX_MERGE_PAIRS:
        return [len(s) for s in sets]

    def weight(a: int, b: int, common: int) -> float:
        t = lambda s: s * (s + 1) / 2.0   # noqa: E731
        return t(len(sets[a])) ** 3 + t(len(sets[b])) ** 3 - t(len(sets[a]) + len(sets[b]) - common) ** 3

    nbrs: list[set[int]] = [set() for _ in range(p)]
    heap: list[tuple[float, int, int, int, int]] = []
    version = [0] * p
    for a, b, common in zip(inter.row.tolist(), inter.col.tolist(), inter.data.tolist()):
        nbrs[a].add(b)
        nbrs[b].add(a)
        heap.append((-weight(a, b, int(common)), a, b, 0, 0))
    heapq.heapify(heap)
    alive = [True] * p
    while heap:
        w, a, b, va, vb = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or version[a] != va or version[b] != vb:
            continue
        if -w < 0:
            break
        sets[a] |= sets[b]                      # merge b into a
        alive[b], sets[b] = False, set()
        version[a] += 1
        nbrs[a] = (nbrs[a] | nbrs[b]) - {a, b}
        for c in nbrs[a]:
            nbrs[c].discard(b)
            nbrs[c].add(a)
            heapq.heappush(heap, (-weight(a, c, len(sets[a] & sets[c])), min(a, c), max(a, c),
                                  version[min(a, c)], version[max(a, c)]))
    return [len(s) for s, ok in zip(sets, alive) if ok]


_CACHE: dict[tuple[int, bool], tuple[weakref.ref, list[tuple[int, list[int]]]]] = {}


def psd_cone_blocks(sf: StandardForm, chordal: bool = True) -> list[tuple[int, list[int]]]:
    """For each PSD cone of `sf`: (order n, the orders of the dense blocks Clarabel keeps
    for it). Without `chordal`, or for a complete pattern, that is [n]; else the merged
    cliques of a chordal extension of the cone's aggregate sparsity pattern, when there
    are several and they are smaller in total (sum of k^2) than the whole cone.

    The analysis of a sparse pattern factors an n x n matrix of that pattern with SuperLU
    (about a second for n = 2000 at half density); the answer is cached per form object."""
    key = (id(sf), bool(chordal))
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is sf:
        return hit[1]
    out: list[tuple[int, list[int]]] = []
    analysed = False
    active = _row_pattern(sf) if chordal and sf.cones.psd else None
    for kind, start, size, n in sf.cones.blocks():
        if kind != "psd":
            continue
        blocks = [n]
        if active is not None and n > 2:
            r, c = svec_indices(n)
            off = active[start:start + size] & (r != c)
            if int(off.sum()) < svec_size(n) - n:   # not complete: Clarabel decomposes it
                analysed = True
                try:
                    cliques = _merge_cliques(_elimination_cliques(n, r[off], c[off]))
                except (MemoryError, RuntimeError, ValueError):   # SuperLU failed: count the whole cone
                    cliques = [n]
                if len(cliques) > 1 and sum(svec_size(q) ** 2 for q in cliques) < svec_size(n) ** 2:
                    blocks = sorted(cliques, reverse=True)
        out.append((n, blocks))
    if analysed:
        if len(_CACHE) >= 16:
            _CACHE.clear()
        _CACHE[key] = (weakref.ref(sf), out)
    return out


def clarabel_peak_bytes(sf: StandardForm, chordal: bool = True,
                        blocks: list[tuple[int, list[int]]] | None = None) -> int:
    """Estimated peak memory (bytes) of Clarabel on `sf` (see the module docstring):
    57 * sum k^2 over the dense PSD blocks + 128 * nnz(A) + 1024 * (rows + columns)."""
    if blocks is None:
        blocks = psd_cone_blocks(sf, chordal)
    k2 = sum(svec_size(q) ** 2 for _, qs in blocks for q in qs)
    return int(BYTES_PER_K2 * k2 + BYTES_PER_NNZ * sf.A.nnz + BYTES_PER_ROW * (sf.m + sf.n))


def format_bytes(b: float) -> str:
    """'3.4 TB', '16.3 GB', '420 MB' (decimal units)."""
    if b >= 1e12:
        return f"{b / 1e12:.1f} TB"
    if b >= 1e9:
        return f"{b / 1e9:.1f} GB"
    return f"{max(b, 0) / 1e6:.0f} MB" if b >= 1e6 else f"{max(b, 0) / 1e3:.0f} kB"


__all__ = ["available_memory_bytes", "clarabel_peak_bytes", "psd_cone_blocks", "format_bytes",
           "BYTES_PER_K2", "BYTES_PER_NNZ", "BYTES_PER_ROW"]
