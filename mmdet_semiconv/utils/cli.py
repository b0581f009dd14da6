"""Argument types for the command-line tools: a bad flag is refused by argparse, naming it,
before any model is built; ``--out`` files are written whole or not at all."""
import argparse
import dataclasses
import math
import os
import os.path as osp
from typing import Any, Container

from ..datasets.coco_io import atomic_write_bytes


def finite_float(text: str) -> float:
    """A finite number (``nan`` and ``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number')
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f'must be finite, got {text}')
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f'must be > 0, got {text}')
    return value


def probability(text: str) -> float:
    """A number in [0, 1] (a score threshold)."""
    value = finite_float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f'must be in [0, 1], got {text}')
    return value


def _int_from(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not an integer')
    if value < minimum:
        raise argparse.ArgumentTypeError(f'must be >= {minimum}, got {text}')
    return value


def positive_int(text: str) -> int:
    """An integer >= 1."""
    return _int_from(text, 1)


def index(text: str) -> int:
    """An integer >= 0 (a position in a list)."""
    return _int_from(text, 0)


def output_file(text: str) -> str:
    """A file path to write: not a folder, in a folder that exists or can be made."""
    if osp.isdir(text):
        raise argparse.ArgumentTypeError(f'{text} is a folder: give a file name')
    folder = osp.dirname(osp.abspath(text))
    parent = folder
    while not osp.exists(parent):
        parent = osp.dirname(parent)
    if not osp.isdir(parent) or not os.access(parent, os.W_OK):
        raise argparse.ArgumentTypeError(f'{folder} cannot be created or written')
    return text


def add_dataclass_args(parser: argparse.ArgumentParser, cls: type,
                       skip: Container[str] = ()) -> None:
    """One ``--field-name`` flag per field of the dataclass ``cls`` (but ``skip``), typed and
    defaulting as the field (a None default takes a string)."""
    for f in dataclasses.fields(cls):
        if f.name not in skip:
            parser.add_argument('--' + f.name.replace('_', '-'), default=f.default,
                                type=str if f.default is None else type(f.default))


def dataclass_from_args(cls: type, args: argparse.Namespace, **given: Any) -> Any:
    """``cls`` built from the flags :func:`add_dataclass_args` added, and ``given``."""
    return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)
                  if f.name not in given}, **given)


def write_json_out(path: str, text: str) -> None:
    """Write a tool's printed json to ``path`` atomically: a kill leaves the old file whole."""
    atomic_write_bytes(path, text.encode())
