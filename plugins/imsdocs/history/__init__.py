"""What git says about the documents: accepted changes (reading) and document control (the rules)."""
