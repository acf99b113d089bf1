"""A package's public names, imported only when first used.

``from flp_inquiry import charts`` in a notebook should not make the ``flp-inquiry`` command (or a
pack's runner, which never draws a chart) import Altair: each package's ``__init__`` lists its
public names and where they live, and :func:`lazy_exports` imports a name's module on first use
(PEP 562).  A name is ``"module"`` (the module itself) or ``"module:attribute"``.
"""
from __future__ import annotations

import importlib
from typing import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose public names are ``exports``.

    >>> getattr_, dir_ = lazy_exports("flp_inquiry", {"write_atomic": "flp_inquiry.files:write_atomic"})
    >>> getattr_("write_atomic").__name__, "write_atomic" in dir_()
    ('write_atomic', True)
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'flp_inquiry' has no attribute 'nothing'
    """
    def __getattr__(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = exports[name].partition(":")
        value = importlib.import_module(module)
        return getattr(value, attribute) if attribute else value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
