"""Texts in, passages out: reading the seed files and cutting them where a reader would."""
