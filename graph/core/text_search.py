"""Text search that finds Chinese: PostgreSQL text search over an application-segmented text.

Used by the knowledge base (graph/service/kb.py) and lessons learned (graph/projects/closeout/).

The embedded PostgreSQL has no Chinese parser (no zhparser or pg_jieba among its extensions), and its
default parser takes a run of Han characters as one word, so "打印机卡纸" could only be found whole.
Instead the application segments text before `to_tsvector('simple', ...)`: Latin (and other spaced
scripts') words lower-cased as they are; each run of CJK characters as its single characters and its
overlapping bigrams ("打印机" -> 打 印 机 打印 印机). A query is segmented the same way, into bigrams
only (single characters for a one-character query), all required (`plainto_tsquery`) for search and any
one enough (`to_tsquery` with `|`) for suggestions, ranked by `ts_rank`. Bigram indexing is
the standard dictionary-free CJK approach (Lucene's CJKAnalyzer): it finds every substring of two or
more characters without a word list, at the cost of some false positives a segmenter such as jieba
would avoid; it needs no extension and no extra dependency, and the same function serves every tenant.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, literal_column

# Han (with extensions A and compatibility), kana, Hangul syllables: scripts written without spaces.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
TOKENS = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")
MAX_QUERY_TOKENS = 64


def is_cjk(run: str) -> bool:
    return re.match(rf"[{CJK}]", run) is not None


def document_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for run in TOKENS.findall(text.lower()):
        if is_cjk(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return tokens


def query_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for run in TOKENS.findall(text.lower()):
        if is_cjk(run) and len(run) > 1:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return list(dict.fromkeys(tokens))[:MAX_QUERY_TOKENS]


def plain_vector(*texts: str) -> Any:
    """The tsvector of texts, all of equal weight."""
    return func.to_tsvector("simple", " ".join(token for text in texts for token in document_tokens(text)))


def search_vector(title: str, body: str) -> Any:
    """The tsvector of a title and a body: title words weigh more than body words."""
    title_vector = func.setweight(
        func.to_tsvector("simple", " ".join(document_tokens(title))), literal_column("'A'")
    )
    body_vector = func.setweight(
        func.to_tsvector("simple", " ".join(document_tokens(body))), literal_column("'B'")
    )
    return title_vector.op("||")(body_vector)


def all_of(text: str) -> Any | None:
    """A tsquery matching documents with every token of `text`; None when it has no token."""
    tokens = query_tokens(text)
    return func.plainto_tsquery("simple", " ".join(tokens)) if tokens else None


def any_of(text: str) -> Any | None:
    """A tsquery matching documents with any token of `text` (for suggestions, ranked)."""
    tokens = query_tokens(text)
    # Tokens are letters and digits only (TOKENS), so quoting each one is safe.
    return func.to_tsquery("simple", " | ".join(f"'{token}'" for token in tokens)) if tokens else None
