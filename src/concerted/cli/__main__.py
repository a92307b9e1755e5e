"""``python -m concerted.cli ...``, the same as ``concerted ...``."""

from . import main

if __name__ == "__main__":
    main()
