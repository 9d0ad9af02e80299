"""Staff adjustments of a member's points, large ones approved by a second person."""
