"""The points ledger's writes: postings (entries, lots, movements), bulk statements, checks."""
