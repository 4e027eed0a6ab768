"""The explorer: walk a model's state space in a browser (``modelcheck explore``).

:mod:`~modelcheck.explorer.session` computes what a page shows (no printing, no web);
:mod:`~modelcheck.explorer.server` serves it on 127.0.0.1 with a token; ``static/`` holds
the one page, its script and its style, shipped as package data (nothing from the network).
"""

from modelcheck.explorer.server import ExplorerServer, make_server, page_url
from modelcheck.explorer.session import Explorer, Place, state_tree

__all__ = ["Explorer", "ExplorerServer", "Place", "make_server", "page_url", "state_tree"]
