"""Which fixture answers a request, and, when none does, why not.

``matchers`` are plain functions registered by name on a :class:`Matchers` registry that
an instance owns (plugins add to their own); ``index`` finds the answering fixture fast
and ranks near misses; ``diff`` compares bodies by meaning and names each differing
field; ``outline`` holds cheap distance bounds; ``messages`` reads the message text of a
body; ``report`` writes the text a miss answers.

May import: ``wire``, ``library``.
"""
