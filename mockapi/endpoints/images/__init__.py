"""Images: generations, edits, variations, and the image files the mock serves."""
