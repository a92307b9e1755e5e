"""``python -m concerted ...``, the same as ``concerted ...``."""

from .cli import main

if __name__ == "__main__":
    main()
