"""Why an operation is not compiled: the executor serves it instead (never an error for the client)."""


class CannotCompile(Exception):
    """This operation, or a part of it, is outside what the SQL compiler handles."""
