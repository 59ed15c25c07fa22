#!/usr/bin/env python3
"""`python build.py [COMMAND] [ARGS]` is `lillesite [COMMAND] [ARGS]`, with `build` as the default command."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lillesite.cli import run  # noqa: E402

if __name__ == "__main__":
    run(default_command="build", default_site=HERE)
