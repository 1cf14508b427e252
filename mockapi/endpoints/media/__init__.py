"""Media through the libraries made for it: the codecs and image formats the API serves.

mockapi writes PNG, WAV, FLAC and (through LAME) MP3 itself; what needs a real codec
goes through the field's well-kept libraries, each imported here and nowhere else:

* :mod:`.codecs`: **PyAV** (FFmpeg in a wheel) for ``opus`` (Ogg Opus) and ``aac``
  (ADTS) speech, the videos' MP4s (H.264 and AAC) and reading uploaded videos. PyAV is
  heavy (about 100 MB installed, 150 ms to import), so it is the optional extra
  ``mockapi[media]`` (the ``test`` extra includes it): :mod:`.extra` checks it is there
  before a request needs it and answers a 501 naming the extra when it is not.
* :mod:`.pictures`: **Pillow** for images in every format the API serves (PNG, JPEG,
  WebP: GPT image output, video thumbnails and spritesheets) and for reading uploads.
  Pillow is a dependency (about 20 MB, 20 ms to import, imported when first needed).
"""
