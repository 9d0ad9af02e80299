"""Points leaving by time: the expiry policy and job, reminders, pending points released."""
