"""The ``mockapi`` command: ``serve``, ``record``, ``import``, ``validate`` and
``schemas derive``. ``parser`` builds the arguments, ``commands`` runs them."""

from mockapi.cli.commands import main

__all__ = ["main"]
