import pytest

from mechkit import errors


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (errors.InvalidInputError, (errors.MechkitError, ValueError)),
        (errors.UnknownNameError, (errors.InvalidInputError, ValueError)),
        (errors.InfeasibleError, (errors.MechkitError,)),
        (errors.UnboundedError, (errors.MechkitError,)),
        (errors.NotConvergedError, (errors.MechkitError, RuntimeError)),
        (errors.SolverError, (errors.MechkitError, RuntimeError)),
        (errors.MissingDependencyError, (errors.MechkitError, ImportError)),
    ],
)
def test_hierarchy(cls, bases):
    for base in bases:
        assert issubclass(cls, base)


def test_not_converged_carries_diagnostics():
    err = errors.NotConvergedError("IWF did not converge", iterations=50, residual=0.25)
    assert (err.iterations, err.residual, str(err)) == (50, 0.25, "IWF did not converge")


def test_import_optional_missing_names_extra():
    from mechkit._optional import import_optional

    with pytest.raises(errors.MissingDependencyError, match=r"mechkit\[convex\]"):
        import_optional("definitely_not_a_module_xyz", extra="convex")
