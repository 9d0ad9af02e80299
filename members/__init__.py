"""Members: who is in the program, their login, and (later) their tier."""
