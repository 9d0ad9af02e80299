"""Import of historical purchases (and their members) from CSV or XLSX files, in bulk."""

from .importer import ImportRejected, Options, Report, import_purchases
from .parsing import PRESETS, ImportFileError

__all__ = ["PRESETS", "ImportFileError", "ImportRejected", "Options", "Report", "import_purchases"]
