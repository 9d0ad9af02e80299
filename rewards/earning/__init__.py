"""What purchases earn: the earn rules' calculation, quotes, the cached settings, currencies."""
