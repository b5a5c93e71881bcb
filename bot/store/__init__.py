"""The built index on disk: vectors, passages and the lexical index, built once and
opened read-only by the replicas that serve it."""
