"""One sink module per input stream family."""
