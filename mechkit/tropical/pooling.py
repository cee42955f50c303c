"""Poset filters as a parameter-free pooling layer, plus max/avg/mixed/GeM baselines.

For a poset ``P`` on the ``k*k`` points of a window (flattened row-major; for ``k = 2``
that is ``(x0, x1, x2, x3) = ((r0,c0), (r0,c1), (r1,c0), (r1,c1))``) the poset filter is

    f_P(x) = max over up-sets U of P of sum_{i in U} x_i,

the support function of the order polytope ``O(P)``.  Since the empty set is an up-set,
``f_P >= 0``.  Windows are ``k x k`` with stride ``s`` (default ``k``); when the input
does not tile exactly it is **zero-padded at the bottom/right** (the reference code's
rule), so the output is ``ceil((H - k) / s) + 1`` (at least 1) by the same for ``W``.

**Gradient and ties.** ``d f / d x_i = 1[i in U*]``; mechkit takes ``U*`` to be the
*minimal maximizer*, the intersection of all maximizing up-sets (the maximizers are
closed under intersection and union because ``U -> sum_U x`` is modular), so an all-zero
window gets a zero gradient.  Any maximizer gives a valid subgradient; the reference
code takes the first in its list.  Ties are decided on the computed floating-point sums
(exact for integer or dyadic inputs).

Examples
--------
>>> import numpy as np
>>> x = np.array([[[[-1.0, 1.0], [1.0, 1.0]]]])
>>> poset_pool(x, 12)  # the N poset: the best up-set is {1, 2, 3}
array([[[[3.]]]])
>>> out, arg = poset_pool(x, 12, return_argmax=True)
>>> poset_pool_backward(np.ones_like(out), arg, x.shape)
array([[[[0., 1.],
         [1., 1.]]]])
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_choice, check_int, check_real
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator
from mechkit.tropical.poset import Poset, _bits, four_point_poset

__all__ = [
    "AvgPool",
    "GeMPool",
    "MaxPool",
    "MixedPool",
    "PosetFilter",
    "PosetPool",
    "StochasticMixedPool",
    "poset_filter",
    "poset_filter_value",
    "poset_pool",
    "poset_pool_backward",
]

#: Default budget on the up-sets of a window poset for the enumerating kernel.
DEFAULT_MAX_UPSETS = 1 << 16


@dataclass(frozen=True)
class PosetFilter:
    """A window poset compiled for the pooling kernels.

    Attributes
    ----------
    poset : Poset
        The poset on the ``kernel_size**2`` window points.
    kernel_size : int
        Window side ``k``.
    upsets : tuple of int
        The up-sets as bitmasks, by size then value (empty set first).
    parent, elem : numpy.ndarray
        ``upsets[u] = upsets[parent[u]] | (1 << elem[u])`` for ``u >= 1``.
    closed_form : int
        For a 2x2 window whose poset *is* (same labels) one of the 16 reference posets,
        that poset's index, which selects its closed-form kernel for the value-only
        forward pass (``solvers.poset_pool.CLOSED_FORM_COVERS``); ``-1`` otherwise.
    """

    poset: Poset
    kernel_size: int
    upsets: tuple[int, ...]
    parent: NDArray[np.int64]
    elem: NDArray[np.int64]
    closed_form: int = -1

    @property
    def num_upsets(self) -> int:
        """Number of up-sets (vertices of the order polytope)."""
        return len(self.upsets)

    def penalties(self, dtype: Any = np.float64) -> NDArray[np.floating]:
        """``pen[u] = 0`` if the subset with bitmask ``u`` is an up-set, else ``-inf``."""
        pen = np.full(1 << self.poset.n, -np.inf, dtype=dtype)
        pen[list(self.upsets)] = 0
        return pen

    def vertex_matrix(self) -> NDArray[np.float64]:
        """Up-set indicator vectors, shape ``(num_upsets, k*k)``."""
        n = self.poset.n
        return np.array([[(u >> i) & 1 for i in range(n)] for u in self.upsets], dtype=np.float64)

    def __call__(self, window: ArrayLike) -> float:
        """``f_P`` of one flattened window (float64 arithmetic; NaN propagates)."""
        w = as_float_array(window, "window", finite=False).reshape(-1)
        if w.shape[0] != self.poset.n:
            raise InvalidInputError(f"window: must have {self.poset.n} entries; got {w.shape[0]}")
        return float((self.vertex_matrix() @ w).max())

    def __repr__(self) -> str:
        return (f"PosetFilter(kernel_size={self.kernel_size}, covers={list(self.poset.covers)}, "
                f"upsets={self.num_upsets})")


@lru_cache(maxsize=256)
def _compile(poset: Poset, kernel_size: int, max_upsets: int) -> PosetFilter:
    ups = poset.upset_masks(max_upsets)
    index = {u: i for i, u in enumerate(ups)}
    parent = np.zeros(len(ups), dtype=np.int64)
    elem = np.zeros(len(ups), dtype=np.int64)
    for i, u in enumerate(ups[1:], start=1):
        for k in _bits(u):
            if not (poset.below[k] & u):  # k minimal in U, so U - k is an up-set
                parent[i] = index[u ^ (1 << k)]
                elem[i] = k
                break
    form = _closed_forms().get(poset, -1) if kernel_size == 2 else -1
    return PosetFilter(poset, kernel_size, tuple(ups), parent, elem, form)


@lru_cache(maxsize=1)
def _closed_forms() -> dict[Poset, int]:
    from solvers.poset_pool import CLOSED_FORM_COVERS

    return {Poset(4, covers): form for form, covers in enumerate(CLOSED_FORM_COVERS)}


def poset_filter(
    poset: int | Poset | ArrayLike, kernel_size: int = 2, *, max_upsets: int = DEFAULT_MAX_UPSETS
) -> PosetFilter:
    """Compile a window poset: an index 0..15, a :class:`Poset`, or an up-set family.

    Parameters
    ----------
    poset : int, Poset or array_like
        ``int``: the reference 4-point poset of that index (``kernel_size`` 2 only);
        :class:`Poset` on ``kernel_size**2`` points; or a custom family of 0/1 vectors,
        validated to be exactly the up-set family of a poset.
    kernel_size : int, default 2
        Window side ``k``.
    max_upsets : int, default 65536
        Refuse posets with more up-sets (use :func:`poset_filter_value`, a max-closure
        min cut, for single large windows).

    Examples
    --------
    >>> poset_filter(13)
    PosetFilter(kernel_size=2, covers=[(0, 1), (1, 2), (2, 3)], upsets=5)
    >>> poset_filter([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1]])
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: family: not closed under union: {0} ∪ {1} = {0, 1} is missing
    """
    k = check_int(kernel_size, "kernel_size", minimum=1, maximum=7)
    budget = check_int(max_upsets, "max_upsets", minimum=1)
    if isinstance(poset, numbers.Integral) and not isinstance(poset, bool):
        if k != 2:
            raise InvalidInputError(
                f"poset: an integer index names a 4-point poset (kernel_size=2); got kernel_size={k}"
            )
        p = four_point_poset(int(poset))
    elif isinstance(poset, Poset):
        p = poset
    elif isinstance(poset, bool):
        raise InvalidInputError(f"poset: must be an index, a Poset or an up-set family; got {poset!r}")
    else:
        p = Poset.from_upsets(k * k, poset)
    if p.n != k * k:
        raise InvalidInputError(
            f"poset: must have kernel_size**2 = {k * k} points for {k}x{k} windows; got n={p.n}"
        )
    try:
        return _compile(p, k, budget)
    except InvalidInputError as err:
        raise InvalidInputError(
            f"poset: more than max_upsets={budget} up-sets; the enumerating kernel would be too "
            "slow; raise max_upsets or evaluate single windows with poset_filter_value "
            f"(max-weight closure) ({err})"
        ) from err


def _resolve_poset(poset: int | Poset | ArrayLike, k: int) -> Poset:
    if isinstance(poset, Poset):
        p = poset
    elif isinstance(poset, numbers.Integral) and not isinstance(poset, bool) and k == 2:
        p = four_point_poset(int(poset))
    else:
        p = poset_filter(poset, k).poset
    if p.n != k * k:
        raise InvalidInputError(
            f"poset: must have kernel_size**2 = {k * k} points for {k}x{k} windows; got n={p.n}"
        )
    return p


@lru_cache(maxsize=256)
def _too_many_upsets(p: Poset, budget: int) -> bool:
    try:
        p.downset_masks(budget)
    except InvalidInputError:
        return True
    return False


def _pool_closure(arr: NDArray[np.floating], p: Poset, k: int, s: int
                  ) -> tuple[NDArray[np.floating], NDArray[np.int64]]:
    _raise_nonfinite(arr, "x")
    B, C, H, W = arr.shape
    Ho, Wo = _geometry(H, W, k, s)
    padded = np.zeros((B, C, max(H, (Ho - 1) * s + k), max(W, (Wo - 1) * s + k)), dtype=arr.dtype)
    padded[:, :, :H, :W] = arr
    out = np.empty((B, C, Ho, Wo), dtype=arr.dtype)
    arg = np.empty((B, C, Ho, Wo), dtype=np.int64)
    for b in range(B):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = padded[b, c, i * s:i * s + k, j * s:j * s + k].reshape(-1)
                    val, U = poset_filter_value(p, win)
                    out[b, c, i, j] = val
                    arg[b, c, i, j] = sum(1 << t for t in U)
    return out, arg


def _as_tensor(x: ArrayLike, name: str) -> NDArray[np.floating]:
    try:
        arr = np.asarray(x)
    except Exception as err:
        raise InvalidInputError(f"{name}: must be a numeric array; got {type(x).__name__}") from err
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number) or np.issubdtype(
        arr.dtype, np.complexfloating
    ):
        raise InvalidInputError(f"{name}: must be a real numeric array; got dtype {arr.dtype}")
    if arr.ndim != 4:
        raise InvalidInputError(f"{name}: must be 4-dimensional (B, C, H, W); got shape {arr.shape}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return np.ascontiguousarray(arr)


def _raise_nonfinite(arr: NDArray[Any], name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(f"{name}: must be finite; entry {idx} is {arr[idx]}")


def _geometry(H: int, W: int, k: int, s: int) -> tuple[int, int]:
    Ho = 1 if H <= k else -(-(H - k) // s) + 1
    Wo = 1 if W <= k else -(-(W - k) // s) + 1
    return Ho, Wo


def poset_pool(
    x: ArrayLike,
    poset: int | Poset | ArrayLike = 13,
    *,
    kernel_size: int = 2,
    stride: int | None = None,
    return_argmax: bool = False,
    max_upsets: int = DEFAULT_MAX_UPSETS,
    method: str = "auto",
) -> NDArray[np.floating] | tuple[NDArray[np.floating], NDArray[np.integer]]:
    """Poset-filter pooling of a ``(B, C, H, W)`` tensor, each channel independently.

    Parameters
    ----------
    x : array_like, shape (B, C, H, W)
        Finite input; float32 and float64 are kept, integer dtypes are upcast to float64.
    poset : int, Poset or array_like, default 13
        Window poset (see :func:`poset_filter`); 13 is the chain, 12 the N poset.
    kernel_size : int, default 2
        Window side ``k``.
    stride : int, optional
        Window stride (default ``kernel_size``; overlapping windows allowed).
    return_argmax : bool, default False
        Also return the bitmask of the minimal maximizing up-set of every window
        (int32 for 2x2 windows, int64 otherwise), as needed by :func:`poset_pool_backward`.
    max_upsets : int, default 65536
        Budget on the poset's up-sets for the enumerating kernel.
    method : {"auto", "enumerate", "closure"}, default "auto"
        ``"enumerate"``: numba kernels over the up-sets (for 2x2 windows, stride 2, no
        arg-max, and a poset that is one of the 16 reference posets with its labels,
        the poset's own nested-ReLU closed form instead); ``"closure"``: one maximum-weight
        closure (min cut, :func:`poset_filter_value`) per window, polynomial in the
        window size but slow (Python, a few ms per window; exact for integer inputs);
        ``"auto"``: enumerate unless the poset has more than ``max_upsets`` up-sets.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        Pooled tensor ``(B, C, Ho, Wo)`` (and the arg-max bitmasks).

    Raises
    ------
    InvalidInputError
        For non-4-D or non-numeric input, NaN or infinite entries (the first is named),
        windows whose sums could overflow the dtype (``2 * sum |x|`` above its maximum),
        an empty spatial axis, or an invalid poset / family.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4) - 8
    >>> poset_pool(x, 1)  # antichain: sum of positive parts
    array([[[[ 0.,  0.],
             [10., 18.]]]])
    >>> poset_pool(np.zeros((0, 3, 5, 5))).shape
    (0, 3, 3, 3)
    """
    from solvers.poset_pool import (
        pool2x2_closed_form,
        pool2x2_forward,
        pool2x2_forward_value,
        pool_forward,
    )

    k = check_int(kernel_size, "kernel_size", minimum=1, maximum=7)
    s = k if stride is None else check_int(stride, "stride", minimum=1)
    check_choice(method, "method", ("auto", "enumerate", "closure"))
    max_upsets = check_int(max_upsets, "max_upsets", minimum=1)
    arr = _as_tensor(x, "x")
    H, W = arr.shape[2], arr.shape[3]
    if H == 0 or W == 0:
        raise InvalidInputError(f"x: spatial axes must be non-empty; got shape {arr.shape}")
    if method != "enumerate":
        p = _resolve_poset(poset, k)
        if method == "closure" or _too_many_upsets(p, max_upsets):
            out, arg = _pool_closure(arr, p, k, s)
            return (out, arg) if return_argmax else out
    filt = poset_filter(poset, k, max_upsets=max_upsets)
    if k == 2 and s == 2:
        if return_argmax:
            out, arg, probe = pool2x2_forward(arr, filt.penalties(arr.dtype))
        elif filt.closed_form >= 0:  # the poset's own nested-ReLU formula
            out, probe = pool2x2_closed_form(arr, filt.closed_form)
        else:
            out, probe = pool2x2_forward_value(arr, filt.penalties(arr.dtype))
    else:
        bits = np.array(filt.upsets, dtype=np.int64)
        Ho, Wo = _geometry(H, W, k, s)
        out, arg, probe = pool_forward(arr, filt.parent, filt.elem, bits, k, s, Ho, Wo)
        if math.isfinite(probe) and arr.size and (
            float(np.abs(arr).max()) * (2 * k * k) > float(np.finfo(arr.dtype).max)
        ):
            probe = math.nan  # a partial up-set sum may have overflowed
    if not math.isfinite(probe):
        _raise_nonfinite(arr, "x")
        # finite input, but a window sum overflowed the dtype: the max over the up-set
        # sums (some of them inf - inf = NaN) is not trustworthy, so never return it
        raise InvalidInputError(
            f"x: window sums overflow {arr.dtype} (largest |x| is {float(np.abs(arr).max())}); "
            "rescale the input (or pass float64 instead of float32)"
        )
    if return_argmax:
        return out, arg
    return out


def poset_pool_backward(
    grad_out: ArrayLike,
    argmax: ArrayLike,
    input_shape: tuple[int, ...],
    *,
    kernel_size: int = 2,
    stride: int | None = None,
) -> NDArray[np.floating]:
    """Gradient of :func:`poset_pool`: ``grad_out`` routed to every point of ``U*``.

    Parameters
    ----------
    grad_out : array_like, shape (B, C, Ho, Wo)
        Upstream gradient (finite; float32 or float64 kept).
    argmax : array_like of int
        The bitmasks returned by ``poset_pool(..., return_argmax=True)``.
    input_shape : tuple
        Shape of the pooled input ``(B, C, H, W)``.
    kernel_size, stride : int
        As in the forward call.

    Returns
    -------
    numpy.ndarray
        ``d loss / d x``, shape ``input_shape`` (overlapping windows accumulate; padded
        positions are dropped).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[[-1.0, -1.0], [1.0, 1.0]]]])
    >>> out, arg = poset_pool(x, 12, return_argmax=True)  # tie {3} vs {1,2,3}: minimal is {3}
    >>> poset_pool_backward(np.ones_like(out), arg, x.shape)
    array([[[[0., 0.],
             [0., 1.]]]])
    """
    from solvers.poset_pool import pool2x2_backward, pool_backward

    k = check_int(kernel_size, "kernel_size", minimum=1, maximum=7)
    s = k if stride is None else check_int(stride, "stride", minimum=1)
    g = _as_tensor(grad_out, "grad_out")
    try:
        raw_shape = tuple(input_shape)
    except TypeError as err:
        raise InvalidInputError(f"input_shape: must be (B, C, H, W); got {input_shape!r}") from err
    if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in raw_shape):
        raise InvalidInputError(f"input_shape: entries must be integers; got {input_shape!r}")
    shape = tuple(int(v) for v in raw_shape)
    if len(shape) != 4 or min(shape) < 0 or shape[2] == 0 or shape[3] == 0:
        raise InvalidInputError(f"input_shape: must be (B, C, H, W) with H, W >= 1; got {input_shape}")
    B, C, H, W = shape
    Ho, Wo = _geometry(H, W, k, s)
    if g.shape != (B, C, Ho, Wo):
        raise InvalidInputError(f"grad_out: must have shape {(B, C, Ho, Wo)}; got {g.shape}")
    a = np.asarray(argmax)
    if a.shape != g.shape or not np.issubdtype(a.dtype, np.integer):
        raise InvalidInputError(
            f"argmax: must be an integer array of shape {g.shape}; got {a.dtype} {a.shape}"
        )
    if a.size and (int(a.min()) < 0 or int(a.max()) >> (k * k)):
        raise InvalidInputError(
            f"argmax: bitmasks must lie in [0, 2**{k * k}); got {a.min()}..{a.max()}"
        )
    if k == 2 and s == 2:
        g_in, flag, orb = pool2x2_backward(g, np.ascontiguousarray(a, dtype=np.int32), H, W)
    else:
        g_in, flag, orb = pool_backward(g, np.ascontiguousarray(a, dtype=np.int64), k, s, H, W)
    if flag:
        _raise_nonfinite(g, "grad_out")
    if orb < 0 or orb >> (k * k):
        raise InvalidInputError(
            f"argmax: bitmasks must lie in [0, 2**{k * k}); got {a.min()}..{a.max()}"
        )
    return g_in


class PosetPool:
    """A poset-filter pooling layer with a cached arg-max for the backward pass.

    Examples
    --------
    >>> import numpy as np
    >>> layer = PosetPool(13)
    >>> y = layer.forward(np.ones((1, 1, 2, 2)))
    >>> float(y[0, 0, 0, 0]), layer.backward(np.ones_like(y)).sum()
    (4.0, np.float64(4.0))
    """

    def __init__(self, poset: int | Poset | ArrayLike = 13, *, kernel_size: int = 2,
                 stride: int | None = None) -> None:
        self.filter = poset_filter(poset, kernel_size)
        self.kernel_size = kernel_size
        self.stride = None if stride is None else check_int(stride, "stride", minimum=1)
        self._cache: tuple[tuple[int, ...], NDArray[np.integer]] | None = None

    def forward(self, x: ArrayLike, training: bool = True) -> NDArray[np.floating]:
        """Pool ``x``; caches what :meth:`backward` needs."""
        out, arg = poset_pool(x, self.filter.poset, kernel_size=self.kernel_size,
                              stride=self.stride, return_argmax=True)
        self._cache = (np.shape(x), arg)
        return out

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradient with respect to the last forward input."""
        if self._cache is None:
            raise InvalidInputError("backward: call forward first")
        shape, arg = self._cache
        return poset_pool_backward(grad_out, arg, shape, kernel_size=self.kernel_size,
                                   stride=self.stride)

    def __repr__(self) -> str:
        return f"PosetPool({self.filter!r})"


def poset_filter_value(poset: Poset, x: ArrayLike) -> tuple[float, frozenset[int]]:
    """``f_P(x)`` and its minimal maximizer by maximum-weight closure (one min cut).

    Picard (1976): the up-sets are the closures of the cover digraph, so the best up-set
    is a minimum ``s``-``t`` cut; the source side reachable in the residual graph is the
    minimal maximizer.  Polynomial in ``n`` (no enumeration), for large windows.

    Examples
    --------
    >>> from mechkit.tropical.poset import chain
    >>> poset_filter_value(chain(3), [5.0, -1.0, 2.0])
    (6.0, frozenset({0, 1, 2}))
    """
    import networkx as nx
    from networkx.algorithms.flow import edmonds_karp

    if not isinstance(poset, Poset):
        raise InvalidInputError(f"poset: must be a Poset; got {type(poset).__name__}")
    try:
        w = np.asarray(x, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"x: must be an array of {poset.n} real numbers; got {x!r}") from err
    if w.shape[0] != poset.n:
        raise InvalidInputError(f"x: must have {poset.n} entries; got {w.shape[0]}")
    _raise_nonfinite(w, "x")
    g = nx.DiGraph()
    g.add_nodes_from(["s", "t", *range(poset.n)])
    for i, j in poset.covers:
        g.add_edge(i, j, capacity=float("inf"))
    for i in range(poset.n):
        if w[i] > 0:
            g.add_edge("s", i, capacity=float(w[i]))
        elif w[i] < 0:
            g.add_edge(i, "t", capacity=float(-w[i]))
    residual = edmonds_karp(g, "s", "t")
    seen = {"s"}
    stack = ["s"]
    while stack:
        u = stack.pop()
        for v, attr in residual[u].items():
            if v not in seen and attr["capacity"] - attr["flow"] > 0:
                seen.add(v)
                stack.append(v)
    U = frozenset(v for v in seen if v != "s")
    return float(sum(w[i] for i in U)) if U else 0.0, U


# ----------------------------------------------------------------------- baselines
def _blocks(x: NDArray[np.floating], k: int) -> tuple[NDArray[np.floating], int, int]:
    B, C, H, W = x.shape
    Ho, Wo = -(-H // k), -(-W // k)
    if Ho * k != H or Wo * k != W:
        pad = np.zeros((B, C, Ho * k, Wo * k), dtype=x.dtype)
        pad[:, :, :H, :W] = x
        x = pad
    return x.reshape(B, C, Ho, k, Wo, k).transpose(0, 1, 2, 4, 3, 5).reshape(B, C, Ho, Wo, k * k), H, W


def _unblocks(g: NDArray[np.floating], k: int, H: int, W: int) -> NDArray[np.floating]:
    B, C, Ho, Wo, _ = g.shape
    full = g.reshape(B, C, Ho, Wo, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(B, C, Ho * k, Wo * k)
    return np.ascontiguousarray(full[:, :, :H, :W])


class _BlockPool:
    """Non-overlapping ``k x k`` pooling with the poset filters' zero padding."""

    def __init__(self, kernel_size: int = 2) -> None:
        self.kernel_size = check_int(kernel_size, "kernel_size", minimum=1, maximum=7)
        self._cache: Any = None
        self._out_shape: tuple[int, ...] = ()

    def _prep(self, x: ArrayLike) -> NDArray[np.floating]:
        arr = _as_tensor(x, "x")
        if arr.shape[2] == 0 or arr.shape[3] == 0:
            raise InvalidInputError(f"x: spatial axes must be non-empty; got shape {arr.shape}")
        _raise_nonfinite(arr, "x")
        k = self.kernel_size
        self._out_shape = (arr.shape[0], arr.shape[1], -(-arr.shape[2] // k), -(-arr.shape[3] // k))
        return arr

    def _grad(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        if self._cache is None:
            raise InvalidInputError("backward: call forward first")
        g = _as_tensor(grad_out, "grad_out")
        _raise_nonfinite(g, "grad_out")
        expected = self._out_shape
        if g.shape != expected:
            raise InvalidInputError(
                f"grad_out: must have the forward output's shape {expected}; got {g.shape}"
            )
        return g

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size})"


class MaxPool(_BlockPool):
    """Max pooling; the gradient goes to the first maximal entry (row-major) of a window.

    Examples
    --------
    >>> import numpy as np
    >>> MaxPool().forward(np.array([[[[1.0, 3.0], [2.0, 3.0]]]]))
    array([[[[3.]]]])
    """

    def forward(self, x: ArrayLike, training: bool = True) -> NDArray[np.floating]:
        """Pooled output."""
        blocks, H, W = _blocks(self._prep(x), self.kernel_size)
        idx = blocks.argmax(axis=-1)
        self._cache = (idx, blocks.shape, H, W)
        return np.take_along_axis(blocks, idx[..., None], axis=-1)[..., 0]

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradient with respect to the input."""
        g = self._grad(grad_out)
        idx, shape, H, W = self._cache
        gb = np.zeros(shape, dtype=g.dtype)
        np.put_along_axis(gb, idx[..., None], g[..., None], axis=-1)
        return _unblocks(gb, self.kernel_size, H, W)


class AvgPool(_BlockPool):
    """Average pooling (padded zeros count, like ``count_include_pad=True``).

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool().forward(np.array([[[[1.0, 3.0], [2.0, 2.0]]]]))
    array([[[[2.]]]])
    """

    def forward(self, x: ArrayLike, training: bool = True) -> NDArray[np.floating]:
        """Pooled output."""
        blocks, H, W = _blocks(self._prep(x), self.kernel_size)
        self._cache = (blocks.shape, H, W)
        return blocks.mean(axis=-1)

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradient with respect to the input."""
        g = self._grad(grad_out)
        shape, H, W = self._cache
        gb = np.broadcast_to(g[..., None] / shape[-1], shape)
        return _unblocks(np.ascontiguousarray(gb), self.kernel_size, H, W)


class MixedPool(_BlockPool):
    """Lee, Gallagher & Tu (2016) "mixed max-average": ``a * max + (1 - a) * avg`` (fixed ``a``).

    Examples
    --------
    >>> import numpy as np
    >>> MixedPool(alpha=0.5).forward(np.array([[[[1.0, 3.0], [2.0, 2.0]]]]))
    array([[[[2.5]]]])
    """

    def __init__(self, alpha: float = 0.5, kernel_size: int = 2) -> None:
        super().__init__(kernel_size)
        self.alpha = check_real(alpha, "alpha")
        if not 0.0 <= self.alpha <= 1.0:
            raise InvalidInputError(f"alpha: must lie in [0, 1]; got {self.alpha}")
        self._max = MaxPool(kernel_size)
        self._avg = AvgPool(kernel_size)

    def forward(self, x: ArrayLike, training: bool = True) -> NDArray[np.floating]:
        """Pooled output."""
        self._cache = True
        out = self.alpha * self._max.forward(x) + (1 - self.alpha) * self._avg.forward(x)
        self._out_shape = out.shape
        return out

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradient with respect to the input."""
        g = self._grad(grad_out)
        return self.alpha * self._max.backward(g) + (1 - self.alpha) * self._avg.backward(g)


class StochasticMixedPool(_BlockPool):
    """Yu et al. (2014) mixed pooling: each window picks max (prob ``p``) or average at random.

    In training mode the choice is drawn per window from ``seed``; in evaluation mode
    (``training=False``) the layer returns the expectation ``p * max + (1 - p) * avg``.

    Examples
    --------
    >>> import numpy as np
    >>> layer = StochasticMixedPool(p=1.0, seed=0)
    >>> layer.forward(np.array([[[[1.0, 3.0], [2.0, 2.0]]]]))
    array([[[[3.]]]])
    """

    def __init__(self, p: float = 0.5, kernel_size: int = 2, seed: SeedLike = None) -> None:
        super().__init__(kernel_size)
        self.p = check_real(p, "p")
        if not 0.0 <= self.p <= 1.0:
            raise InvalidInputError(f"p: must lie in [0, 1]; got {self.p}")
        self._rng = as_generator(seed)
        self._max = MaxPool(kernel_size)
        self._avg = AvgPool(kernel_size)

    def forward(self, x: ArrayLike, training: bool = True) -> NDArray[np.floating]:
        """Pooled output (random per window when ``training``)."""
        mx = self._max.forward(x)
        av = self._avg.forward(x)
        if training:
            lam = (self._rng.random(mx.shape) < self.p).astype(mx.dtype)
        else:
            lam = np.full(mx.shape, self.p, dtype=mx.dtype)
        self._cache = lam
        self._out_shape = mx.shape
        return lam * mx + (1 - lam) * av

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradient with respect to the input (for the last forward's choices)."""
        g = self._grad(grad_out)
        lam = self._cache
        return self._max.backward(lam * g) + self._avg.backward((1 - lam) * g)


class GeMPool(_BlockPool):
    """Generalised-mean pooling ``(mean clamp(x, eps)^p)^(1/p)`` (Radenović et al. 2018), fixed ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> float(GeMPool(p=1.0).forward(np.full((1, 1, 2, 2), 2.0))[0, 0, 0, 0])
    2.0
    """

    def __init__(self, p: float = 3.0, eps: float = 1e-6, kernel_size: int = 2) -> None:
        super().__init__(kernel_size)
        self.p = check_real(p, "p")
        if self.p <= 0:
            raise InvalidInputError(f"p: must be > 0; got {self.p}")
        self.eps = check_real(eps, "eps")
        if self.eps <= 0:
            raise InvalidInputError(f"eps: must be > 0; got {self.eps}")

    def forward(self, x: ArrayLike, training: bool = True) -> NDArray[np.floating]:
        """Pooled output."""
        blocks, H, W = _blocks(self._prep(x), self.kernel_size)
        clamped = np.maximum(blocks, self.eps)
        # scaled by the window maximum so that x**p cannot overflow (or underflow) for large p
        top = clamped.max(axis=-1)
        mean = ((clamped / top[..., None]) ** self.p).mean(axis=-1)
        out = top * mean ** (1.0 / self.p)
        self._cache = (blocks, clamped, mean, out, H, W)
        return out

    def backward(self, grad_out: ArrayLike) -> NDArray[np.floating]:
        """Gradient with respect to the input (zero where ``x < eps``)."""
        g = self._grad(grad_out)
        blocks, clamped, _, out, H, W = self._cache
        k2 = blocks.shape[-1]
        # d out / d x_i = out^(1-p) * x_i^(p-1) / k2 = (x_i / out)^(p-1) / k2 on the active
        # (unclamped) entries, written as a ratio so that it cannot overflow
        d = (clamped / out[..., None]) ** (self.p - 1.0) / k2
        d = np.where(blocks >= self.eps, d, 0.0)
        return _unblocks((g[..., None] * d).astype(g.dtype), self.kernel_size, H, W)
