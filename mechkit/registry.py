"""Named registries: mechanisms, CI tests, schedules, experiments, benchmarks.

A :class:`Registry` maps a name to an object plus read-only metadata.  Domains fill
their registries with the :meth:`Registry.register` decorator; lookups of unknown names
raise :class:`~mechkit.errors.UnknownNameError` listing the known names.

Examples
--------
>>> from mechkit.registry import Registry
>>> rules = Registry("mechanism")
>>> @rules.register("median", anonymous=True)
... def median(x):
...     return sorted(x)[(len(x) - 1) // 2]
>>> rules.get("median")([3, 1, 2])
2
>>> rules.metadata("median")["anonymous"]
True
>>> rules.get("mean")
Traceback (most recent call last):
...
mechkit.errors.UnknownNameError: unknown mechanism 'mean'; known: median
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar, overload

from mechkit.errors import InvalidInputError, UnknownNameError

__all__ = ["Entry", "Registry"]

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered object with its name and metadata."""

    name: str
    obj: T
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class Registry(Generic[T]):
    """A small name → object registry with metadata.

    Parameters
    ----------
    kind : str
        What is registered ("mechanism", "CI test", ...), used in error messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    @overload
    def register(
        self, name: str, obj: None = None, *, overwrite: bool = False, **metadata: Any
    ) -> Callable[[T], T]: ...

    @overload
    def register(self, name: str, obj: T, *, overwrite: bool = False, **metadata: Any) -> T: ...

    def register(
        self, name: str, obj: T | None = None, *, overwrite: bool = False, **metadata: Any
    ) -> T | Callable[[T], T]:
        """Register ``obj`` under ``name`` (or return a decorator that does).

        Parameters
        ----------
        name : str
            Non-empty unique name.
        obj : object, optional
            The object; omit to use as a decorator.
        overwrite : bool, default False
            Allow replacing an existing entry (otherwise a duplicate name raises).
        **metadata
            Arbitrary metadata stored read-only with the entry.

        Returns
        -------
        object or callable
            ``obj`` itself, or a decorator returning its argument unchanged.
        """
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"name: must be a non-empty string; got {name!r}")

        def add(target: T) -> T:
            if name in self._entries and not overwrite and self._entries[name].obj is not target:
                raise InvalidInputError(
                    f"name: {self.kind} {name!r} is already registered; pass overwrite=True "
                    "to replace it"
                )
            self._entries[name] = Entry(name, target, MappingProxyType(dict(metadata)))
            return target

        if obj is None:
            return add
        return add(obj)

    def get(self, name: str) -> T:
        """Return the object registered as ``name``."""
        return self.entry(name).obj

    def entry(self, name: str) -> Entry[T]:
        """Return the :class:`Entry` registered as ``name``."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self._entries)) or "(none registered)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def metadata(self, name: str) -> Mapping[str, Any]:
        """Return the read-only metadata of ``name``."""
        return self.entry(name).metadata

    def names(self) -> tuple[str, ...]:
        """Registered names in sorted order."""
        return tuple(sorted(self._entries))

    def entries(self) -> tuple[Entry[T], ...]:
        """Registered entries in name order."""
        return tuple(self._entries[n] for n in self.names())

    def unregister(self, name: str) -> None:
        """Remove ``name`` (raises for unknown names)."""
        self.entry(name)
        del self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, names={list(self.names())})"
