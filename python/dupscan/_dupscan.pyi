"""Type stubs of the native module ``dupscan._dupscan`` (crates/python).

Call the functions of ``dupscan`` instead: these take parameters as JSON
text and return JSON text.
"""

from typing import List, Optional

__version__: str

def scan(
    texts: List[str],
    ids: Optional[List[str]],
    unit: str,
    threshold: Optional[float],
    params: str,
    threads: Optional[int],
) -> str: ...
def scan_files(
    paths: List[str],
    unit: str,
    threshold: Optional[float],
    params: str,
    read: str,
    threads: Optional[int],
) -> str: ...
def dedup_mask(
    texts: List[str],
    unit: str,
    threshold: Optional[float],
    keep: str,
    params: str,
    threads: Optional[int],
) -> List[bool]: ...
def contamination(
    reference_texts: List[str],
    texts: List[str],
    unit: str,
    threshold: Optional[float],
    params: str,
    threads: Optional[int],
) -> str: ...
