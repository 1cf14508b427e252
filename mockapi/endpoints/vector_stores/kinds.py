"""What the vector store family keeps in the state store, and under which keys.

* :data:`STORES`: each ``vector_store`` object by its id (``vs_...``);
* :data:`FILES`: each ``vector_store.file`` object by :func:`file_key` (the store's id
  and the file's: one File may be attached to several stores, and the API's object id is
  the File's id);
* :data:`CHUNKS`: the chunks of each completed vector store file, by the same key,
  computed once when the file completes (``{"filename": ..., "chunks": [text, ...],
  "norms": [float, ...]}``: each chunk's :func:`~mockapi.generate.retrieval.norm_of`);
  Beside them, each store's files token (:func:`files_token_key`);
* :data:`BATCHES`: each ``vector_store.files_batch`` object by its id (``vsfb_...``);
* :data:`BATCH_FILES`: which files each batch attached (``{"id": ..., "file_ids": [...]}``),
  by the batch's id (the API's batch object does not list them).
"""

from __future__ import annotations

STORES = "vector_stores"
FILES = "vector_store_files"
CHUNKS = "vector_store_chunks"
BATCHES = "vector_store_file_batches"
BATCH_FILES = "vector_store_batch_files"
ALL = (STORES, FILES, CHUNKS, BATCHES, BATCH_FILES)
"""Every kind of the family (kept, never evicted, like files and batches)."""
SEPARATOR = ":"


def file_key(vector_store_id: str, file_id: str) -> str:
    """The state store key of ``file_id`` attached to ``vector_store_id``."""
    return f"{vector_store_id}{SEPARATOR}{file_id}"


def files_token_key(vector_store_id: str) -> str:
    """The key, in :data:`CHUNKS`, of the store's files token: a random token drawn
    anew whenever the store's files change (:func:`.records.refresh`), so that a search
    knows its index is current without reading every file (no File id is empty)."""
    return f"{vector_store_id}{SEPARATOR}"
