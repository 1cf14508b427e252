"""The Videos API (Sora): videos with a lifecycle, their MP4s, thumbnails and spritesheets."""
