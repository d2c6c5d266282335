"""shishi's library: clean community-service spreadsheets and compute what the reports show."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shishi")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"
