from __future__ import annotations

from carteira.core.errors import ConflictError, InvalidInputError, NotFoundError


class ImportNotFoundError(NotFoundError):
    code = "import_not_found"
    message = "Import not found for this client."


class ImportTooLargeError(InvalidInputError):
    code = "import_too_large"
    message = "The file is larger than an import takes."


class TooManyRowsError(InvalidInputError):
    code = "import_too_many_rows"
    message = "The file has more rows than an import takes."


class UnsupportedFileError(InvalidInputError):
    code = "import_unsupported_file"
    message = "The file is neither XLSX nor CSV."


class UnreadableFileError(InvalidInputError):
    code = "import_unreadable_file"
    message = "The file cannot be read."


class ExpandsTooMuchError(InvalidInputError):
    code = "import_expands_too_much"
    message = "The XLSX file expands to more than a spreadsheet needs: refused."


class ColumnsNotFoundError(InvalidInputError):
    code = "import_columns_not_found"
    message = "The file has no header with the columns of its format."


class ImportHasErrorsError(InvalidInputError):
    code = "import_has_errors"
    message = "Rows of this import have errors: fix the file, or commit with skip_errors=true."


class AlreadyCommittedError(ConflictError):
    code = "import_already_committed"
    message = "This import has already been committed."
