"""Audio: speech, transcriptions, translations, voices and voice consents."""
