"""What readers asked and what they thought of the answers, kept for the page owner.

The questions (with how the text answered them) and the helpful / not helpful votes go to a
database through a writer thread that never holds up an answer; `essaybot report` reads
them back to show what the text should add.
"""
