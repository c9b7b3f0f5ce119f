"""The backend protocol, re-exported from the core (`optlib.backend`) for the adapters here."""
from optlib.backend import Backend, Capabilities, MissingDependency, package_version, require

__all__ = ["Backend", "Capabilities", "MissingDependency", "package_version", "require"]
