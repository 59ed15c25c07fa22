"""What 'the previous output is untouched' means, byte for byte: shared by the error and fault tests."""
from __future__ import annotations

import os
from pathlib import Path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file and folder below `folder`: relative path -> (bytes, inode, mtime_ns); folders have b''."""
    result = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            stat = path.lstat()
            data = path.read_bytes() if path.is_file() else b""
            result[path.relative_to(folder).as_posix()] = (data, stat.st_ino, stat.st_mtime_ns)
    return result


def strays(parent: Path, out_name: str) -> list[str]:
    """Leftovers of killed builds beside the output folder (the lock file and the spare tree are meant to stay)."""
    return sorted(p.name for p in parent.iterdir()
                  if p.name.startswith(f".{out_name}.") and p.name not in (f".{out_name}.lock", f".{out_name}.spare"))
