"""Files (``/v1/files``) and uploads (``/v1/uploads``): what the server keeps of the
bytes a client sent, and the files it writes itself (a batch's output).
``stored`` is the part other families use (create, find, read a file)."""
