"""Input: reading scenario files safely and checking them, with messages that name the file, the field,
the value and what is allowed. Imports nothing else of dayshift."""
