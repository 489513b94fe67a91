"""Item pictures, account logos and document attachments as files (docs/assets.md).

``settings`` (the opt-in settings), ``sources`` (which rows link to which files), ``store``
(content-addressed storage on a directory or fsspec URL, and the index that caches what was
fetched), ``fetch`` (one download through the shared client), ``images`` (Pillow: checks and
thumbnails) and ``stream`` (the ``asset_files`` stream).
"""
