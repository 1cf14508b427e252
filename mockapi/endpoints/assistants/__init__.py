"""The Assistants API (legacy, beta): assistants, threads, messages, runs and run steps.

The real API shut it down on 2026-08-26; code written for it still exists and its
migration to Responses needs tests that run, so mockapi serves it faithfully, with a
switch that answers it as shut down (:mod:`.sunset`). A run is a real turn: its model
answer comes from the same replay flow as a chat request (:mod:`.turn`), on the shared
job machinery (:mod:`.family`), streamed as the API streams it (:mod:`.stream`).
Routes: :mod:`.routes`.
"""
