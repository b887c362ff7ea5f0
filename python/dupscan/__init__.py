"""dupscan: near-duplicate detection for text corpora, from Python.

The same Rust library as the ``dupscan`` command line (MinHash + LSH with
exact verification), on texts held in memory or on files::

    import dupscan
    groups = dupscan.scan(texts, unit="sentence", threshold=0.7)
    report = dupscan.scan_files(["corpus.jsonl.gz"], unit="document")
    keep = dupscan.dedup_mask(texts, unit="document", threshold=0.8)
    hits = dupscan.contamination(reference_texts, texts)

Parameters have the names of the report's ``params`` (``num_perm``,
``ngram``, ``shingle``, ``bands``, ``rows``, ``seed``, ``min_tokens``,
``scope``, ``groups``, ``verify``, ``normalize``, ``spans``, and the span
path's ``span_max_df``, ``span_min_words``, ``span_min_cover``,
``span_reference_min_cover``, ``span_ngram``, ``span_window``); ``None``
means the default for the unit, as on the command line. They are checked
before any work: a bad one raises :class:`ParamError` (a ``ValueError``).

Every call releases the GIL while Rust runs, uses all cores unless
``threads`` says otherwise, shows no progress, and gives the same result
for the same inputs and parameters whatever the thread count.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _dupscan
from ._errors import DupscanError, InputError, ParamError

__all__ = [
    "scan",
    "scan_files",
    "dedup_mask",
    "contamination",
    "DupscanError",
    "InputError",
    "ParamError",
    "__version__",
]

__version__: str = _dupscan.__version__

PathLike = Union[str, "os.PathLike[str]"]


def _texts(texts: Iterable[str], what: str) -> List[str]:
    if isinstance(texts, (str, bytes)):
        raise ParamError(f"{what} must be a sequence of str, not a single {type(texts).__name__}")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise ParamError(f"{what}[{i}] is a {type(t).__name__}, not a str")
    return out


def _params(params: Dict[str, Any]) -> str:
    try:
        return json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ParamError(f"params must be plain values (numbers, strings, booleans): {e}") from None


def scan(
    texts: Iterable[str],
    ids: Optional[Iterable[Any]] = None,
    unit: str = "sentence",
    threshold: Optional[float] = None,
    *,
    threads: Optional[int] = None,
    **params: Any,
) -> List[Dict[str, Any]]:
    """Finds groups of near-duplicate units among ``texts``.

    Args:
        texts: the documents.
        ids: one id per text (converted with ``str``); default ``"0"``,
            ``"1"``, ... (the texts' positions).
        unit: ``"sentence"``, ``"paragraph"`` or ``"document"``.
        threshold: Jaccard similarity a pair must reach, in (0, 1]; default
            0.7 for sentences and paragraphs, 0.8 for documents.
        threads: worker threads (default: one per core).
        **params: any other parameter, by its name in the report's
            ``params`` (e.g. ``num_perm=256``, ``scope="all"``).

    Returns:
        The groups, exactly as the ``groups`` array of ``dupscan scan
        --format json`` for the same texts: dicts with ``id``, ``size``,
        ``documents``, ``min_similarity`` and ``members`` (``doc``,
        ``source`` (``"<memory>"``), ``unit``, ``start``, ``end`` (byte
        offsets in the UTF-8 text), ``similarity``, ``via``,
        ``match_start``, ``match_end``, ``text``), the representative first.

    Raises:
        ParamError: a parameter is out of range or unknown, or ``ids`` and
            ``texts`` differ in length.
    """
    texts = _texts(texts, "texts")
    id_list = None if ids is None else [str(i) for i in ids]
    out = _dupscan.scan(texts, id_list, unit, threshold, _params(params), threads)
    return json.loads(out)


def scan_files(
    paths: Union[PathLike, Sequence[PathLike]],
    unit: str = "sentence",
    threshold: Optional[float] = None,
    *,
    reference: Optional[Sequence[PathLike]] = None,
    text_field: str = "text",
    id_field: str = "id",
    skip_bad_lines: bool = False,
    max_document_bytes: Optional[int] = None,
    threads: Optional[int] = None,
    **params: Any,
) -> Dict[str, Any]:
    """Scans files and directories as ``dupscan scan`` does.

    Args:
        paths: files (plain text, JSON Lines, optionally ``.gz``/``.zst``)
            or directories (walked recursively), one path or several.
        unit, threshold, threads, **params: as in :func:`scan`.
        reference: reference inputs: a contamination check, as
            ``--reference``.
        text_field, id_field: JSON Lines fields (``--text-field``,
            ``--id-field``).
        skip_bad_lines: skip malformed lines instead of raising.
        max_document_bytes: largest document read (default 256 MiB).

    Returns:
        The JSON report as a dict: ``tool``, ``params``, ``stats``,
        ``contamination`` (with ``reference``) and ``groups``.

    Raises:
        ParamError: bad parameters.
        InputError: an input cannot be read or is malformed (the message
            names the file and line).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    read = {
        "reference": [os.fspath(p) for p in (reference or [])],
        "text_field": text_field,
        "id_field": id_field,
        "skip_bad_lines": skip_bad_lines,
        "max_document_bytes": max_document_bytes,
    }
    out = _dupscan.scan_files(
        [os.fspath(p) for p in paths], unit, threshold, _params(params), _params(read), threads
    )
    return json.loads(out)


def dedup_mask(
    texts: Iterable[str],
    unit: str = "document",
    threshold: Optional[float] = None,
    *,
    keep: str = "first",
    threads: Optional[int] = None,
    **params: Any,
) -> List[bool]:
    """Which texts to keep when removing near-duplicates.

    The decision of ``dupscan dedup`` for the same texts: groups are
    connected components of verified pairs (repeats inside a text count),
    members are taken in ``keep`` order, and a text goes when each of its
    units duplicates a unit kept before it. At ``unit="document"`` that is
    every text that is a near-duplicate (Jaccard similarity of word 3-gram
    shingles at least ``threshold``, 0.8 by default) of a kept text.

    Args:
        texts: the documents.
        unit: ``"document"`` (default), ``"paragraph"`` or ``"sentence"``.
        threshold: as in :func:`scan`.
        keep: ``"first"`` (input order) or ``"longest"``.
        threads, **params: as in :func:`scan`.

    Returns:
        One bool per text: ``True`` to keep it. Texts too short to compare
        (fewer than ``min_tokens`` words) are always kept.

    Raises:
        ParamError: bad parameters.
    """
    texts = _texts(texts, "texts")
    return _dupscan.dedup_mask(texts, unit, threshold, keep, _params(params), threads)


def contamination(
    reference_texts: Iterable[str],
    texts: Iterable[str],
    unit: str = "sentence",
    threshold: Optional[float] = None,
    *,
    threads: Optional[int] = None,
    **params: Any,
) -> List[Dict[str, Any]]:
    """Looks for each reference item (a benchmark question) in ``texts``.

    As ``dupscan scan --reference``: reference and texts are scanned
    together, and a reference item is found where its units are
    near-duplicates of units of a text.

    Args:
        reference_texts: the reference items.
        texts: the corpus to check.
        unit, threshold, threads, **params: as in :func:`scan`.

    Returns:
        One dict per reference item, in order: ``reference`` (its
        position), ``match`` (the position in ``texts`` of the text holding
        most of it, or ``None``), ``score`` (the share of the item's bytes
        matched there, 0.0 when not found), ``match_start``/``match_end``
        (byte offsets of the match in that text, or ``None``),
        ``matched_units`` and ``units`` (its units matched and compared;
        0 and ``None`` when nothing matched).

    Raises:
        ParamError: bad parameters.
    """
    refs = _texts(reference_texts, "reference_texts")
    texts = _texts(texts, "texts")
    items = json.loads(
        _dupscan.contamination(refs, texts, unit, threshold, _params(params), threads)
    )
    found = {int(item["doc"]): item for item in items}
    out: List[Dict[str, Any]] = []
    for i in range(len(refs)):
        item = found.get(i)
        best = item.get("best") if item else None
        out.append(
            {
                "reference": i,
                "match": int(best["doc"]) if best else None,
                "score": float(best["covered"]) if best else 0.0,
                "match_start": best["match_start"] if best else None,
                "match_end": best["match_end"] if best else None,
                "matched_units": item["matched_units"] if item else 0,
                "units": item["units"] if item else None,
            }
        )
    return out
