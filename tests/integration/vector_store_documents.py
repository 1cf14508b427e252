"""A vector store of documents made through the SDK, for the search and file_search tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import openai

Document = tuple[str, bytes, Mapping[str, str | float | bool]]
"""A file name, its bytes, and the attributes it is attached with."""


def make_store(base_url: str, documents: Sequence[Document]) -> tuple[str, list[str]]:
    """A vector store holding ``documents``, each uploaded and attached until completed;
    its id and the files' ids in order."""
    with openai.OpenAI(base_url=base_url, api_key="k", max_retries=0) as sdk:
        made = sdk.vector_stores.create(name="documents")
        file_ids = []
        for name, data, attributes in documents:
            uploaded = sdk.files.create(file=(name, data), purpose="assistants")
            attached = sdk.vector_stores.files.create_and_poll(
                vector_store_id=made.id, file_id=uploaded.id, attributes=dict(attributes)
            )
            assert attached.status == "completed", attached.last_error
            file_ids.append(uploaded.id)
        return made.id, file_ids
