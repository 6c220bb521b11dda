"""trustledger: the small actions that build or break trust at work, and what follows from them."""

__version__ = "0.1.0"
