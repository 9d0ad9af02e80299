"""Points for actions members do (reviews, sign-ups, birthdays), within each rule's limits."""
