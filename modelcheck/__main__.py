"""``python -m modelcheck`` is the ``modelcheck`` command."""

from modelcheck.cli import main

if __name__ == "__main__":
    main()
