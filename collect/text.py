"""`normalize_text` now lives in `moisson.text`, below the apps (accounts needs it too).

This name stays only for `review/voting.py` and `review/moderation.py`, which other branches are
changing at the same time: once they import `moisson.text`, delete this module.
"""

from moisson.text import normalize_text

__all__ = ["normalize_text"]
