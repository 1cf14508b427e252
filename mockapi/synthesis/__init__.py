"""Synthesis: responses generated from the request when no fixture answers it.

One module per endpoint family. Everything here is pure: the request in, a JSON body
out, the same body for the same request and seed.
"""
