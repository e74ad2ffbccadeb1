"""Shared code of the course "MNIST from scratch in NumPy".

One module per concept; notebooks import what they need, e.g.::

    from helpers.nbsetup import setup
    from helpers import data

Each module's functions document the shapes of the arrays they take and return.
"""
