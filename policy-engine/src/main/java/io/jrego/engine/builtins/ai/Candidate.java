package io.jrego.engine.builtins.ai;

/** A finding before context, filtering and overlap resolution; offsets in UTF-16 units. */
record Candidate(PiiType type, int start, int end, int score, String subtype) {}
