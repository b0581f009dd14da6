import os


class ConversionError(RuntimeError):
    """A source file is missing, unreadable or inconsistent; the message names it and the fix."""


def require_writable_dir(path: str) -> None:
    """Create the output folder ``path`` if needed; refuse one that cannot be created or
    written, before anything is converted."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise ConversionError(f'{path} cannot be written ({e.strerror}: it cannot be created); '
                              'give an --out-dir you can write to') from e
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConversionError(f'{path} cannot be written (no permission); give an --out-dir '
                              'you can write to')
