"""Import of historical purchases (and their members) from CSV or XLSX files, in bulk."""

from .columns import PRESETS, ImportFileError
from .importer import ImportRejected, Options, Report, import_purchases

__all__ = ["PRESETS", "ImportFileError", "ImportRejected", "Options", "Report", "import_purchases"]
