"""The promise-wording check (程序上多承诺,实质上少承诺) as the knowledge app
calls it. The word list and its check belong to the complaint workflow; until
that is installed nothing is flagged. Connecting it is this one line:

    from complaints.services import promise_wording_found as promise_words_found
"""

from __future__ import annotations


def promise_words_found(text: str) -> list[str]:
    """The words of ``text`` that promise substance (none until connected)."""
    return []
