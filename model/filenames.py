"""File names made from data: a scenario's name, a recommender's, a label.

Text read from a file or typed by a user is data, never a path: a scenario named
``../../etc/x`` or ``/tmp/x`` must not write outside the folder it is written to.
:func:`safe_file_name` is the one function that turns such text into a file name.
"""

from __future__ import annotations

import re
import unicodedata

#: The longest stem kept (file systems allow 255 bytes for a whole name).
MAX_STEM = 100

_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]+")


def safe_file_name(text: str, default: str = "figure") -> str:
    """``text`` as a single file name: no folders, no hidden file, nothing but letters,
    digits and ``. _ + = -`` (anything else becomes ``-``), at most :data:`MAX_STEM` long.

    >>> safe_file_name("fig6")
    'fig6'
    >>> safe_file_name("../../etc/passwd")
    'etc-passwd'
    >>> safe_file_name("/tmp/x y")
    'tmp-x-y'
    >>> safe_file_name("..")
    'figure'
    >>> safe_file_name("Théorie")
    'Theorie'
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", ascii_text)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-")[:MAX_STEM].strip(".-")
    return stem or default
