import pytest

from mechkit.errors import InvalidInputError, UnknownNameError
from mechkit.registry import Registry


def test_register_decorator_and_lookup():
    reg: Registry = Registry("CI test")

    @reg.register("fisher_z", kind="gaussian")
    def fisher_z():
        return "z"

    reg.register("g_test", lambda: "g", kind="discrete")
    assert reg.get("fisher_z") is fisher_z
    assert reg.metadata("g_test")["kind"] == "discrete"
    assert reg.names() == ("fisher_z", "g_test")
    assert list(reg) == ["fisher_z", "g_test"]
    assert "fisher_z" in reg and "kci" not in reg and len(reg) == 2
    assert [e.name for e in reg.entries()] == ["fisher_z", "g_test"]
    assert "fisher_z" in repr(reg)


def test_metadata_is_read_only():
    reg: Registry = Registry("thing")
    reg.register("a", 1, flag=True)
    with pytest.raises(TypeError):
        reg.metadata("a")["flag"] = False  # type: ignore[index]


def test_unknown_name_lists_known():
    reg: Registry = Registry("schedule")
    reg.register("jacobi", 1)
    reg.register("async", 2)
    with pytest.raises(UnknownNameError, match=r"unknown schedule 'newton'; known: async, jacobi"):
        reg.get("newton")
    with pytest.raises(UnknownNameError, match=r"known: \(none registered\)"):
        Registry("x").get("y")
    with pytest.raises(UnknownNameError):
        reg.get(["unhashable"])  # type: ignore[arg-type]


def test_duplicates_and_bad_names():
    reg: Registry = Registry("mechanism")
    reg.register("m", 1)
    reg.register("m", 1)  # the same object again is harmless (module re-import)
    with pytest.raises(InvalidInputError, match="already registered"):
        reg.register("m", 2)
    reg.register("m", 2, overwrite=True)
    assert reg.get("m") == 2
    for bad in ("", None, 3):
        with pytest.raises(InvalidInputError, match="name: must be a non-empty string"):
            reg.register(bad, 1)  # type: ignore[arg-type]
    reg.unregister("m")
    assert "m" not in reg
    with pytest.raises(UnknownNameError):
        reg.unregister("m")
