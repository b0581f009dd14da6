class ConversionError(RuntimeError):
    """A source file is missing, unreadable or inconsistent; the message names it and the fix."""
