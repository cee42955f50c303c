"""Tropical and order-polytope analysis of neural networks.

Posets and their order/chain polytopes (Stanley 1986), exact linear-extension counts,
poset filters as a parameter-free pooling layer (Dolores-Cuenca et al., "Order Theory in
the Context of Machine Learning"), the operad of posets, and integer ReLU networks as
tropical rational maps (Zhang, Naitzat & Lim 2018).  Design reference:
``shared/design/tropical.md``.

Examples
--------
>>> from mechkit import tropical as tr
>>> tr.linear_extensions_count(tr.boolean_lattice(3))
48
>>> tr.order_polytope(tr.four_point_poset(12)).volume
Fraction(5, 24)
"""

from mechkit.tropical.algebra import (
    TooManyTermsError,
    TropicalPolynomial,
    TropicalRational,
    upper_hull_mask,
)
from mechkit.tropical.cnn import POOLINGS, SmallCNN, TrainResult, load_digits_data, train_digits
from mechkit.tropical.network import (
    LinearRegions1D,
    LinearRegions2D,
    linear_region_bound,
    linear_regions_1d,
    linear_regions_2d,
    network_forward,
    network_to_tropical,
)
from mechkit.tropical.operad import (
    compose,
    composed_filter_value,
    filter_polynomial,
    filter_value,
    partial_compose,
)
from mechkit.tropical.polytope import (
    PosetPolytope,
    chain_polytope,
    ehrhart_values,
    linear_extensions_count,
    order_polytope,
)
from mechkit.tropical.pooling import (
    AvgPool,
    GeMPool,
    MaxPool,
    MixedPool,
    PosetFilter,
    PosetPool,
    StochasticMixedPool,
    poset_filter,
    poset_filter_value,
    poset_pool,
    poset_pool_backward,
)
from mechkit.tropical.poset import (
    FOUR_POINT_COVERS,
    Poset,
    antichain,
    boolean_lattice,
    chain,
    crown,
    fence,
    four_point_poset,
    grid,
    map_posets,
    posets_up_to_isomorphism,
)

__all__ = [
    "FOUR_POINT_COVERS",
    "POOLINGS",
    "AvgPool",
    "GeMPool",
    "LinearRegions1D",
    "LinearRegions2D",
    "MaxPool",
    "MixedPool",
    "Poset",
    "PosetFilter",
    "PosetPolytope",
    "PosetPool",
    "SmallCNN",
    "StochasticMixedPool",
    "TooManyTermsError",
    "TrainResult",
    "TropicalPolynomial",
    "TropicalRational",
    "antichain",
    "boolean_lattice",
    "chain",
    "chain_polytope",
    "compose",
    "composed_filter_value",
    "crown",
    "ehrhart_values",
    "fence",
    "filter_polynomial",
    "filter_value",
    "four_point_poset",
    "grid",
    "linear_extensions_count",
    "linear_region_bound",
    "linear_regions_1d",
    "linear_regions_2d",
    "load_digits_data",
    "map_posets",
    "network_forward",
    "network_to_tropical",
    "order_polytope",
    "partial_compose",
    "poset_filter",
    "poset_filter_value",
    "poset_pool",
    "poset_pool_backward",
    "posets_up_to_isomorphism",
    "train_digits",
    "upper_hull_mask",
]
