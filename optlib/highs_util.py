"""A silent `highspy.Highs()`, shared by the file reader/writer and the highs backend."""
from __future__ import annotations

import os
import sys

_BANNER_SHOWN = False


def new_highs(highspy):
    """A silent `highspy.Highs()`: the first one in a process prints a banner on the C-level
    stdout, which is sent to /dev/null so scripts and `--json` output stay clean."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h
