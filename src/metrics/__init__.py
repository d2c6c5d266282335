"""shishi's library: clean community-service spreadsheets and compute what the reports show."""


def version() -> str:
    """shishi's installed version, looked up when asked: importing importlib.metadata costs
    about 50 ms, paid otherwise by every process and notebook kernel that imports metrics."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("shishi")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    """``metrics.__version__`` still answers, from :func:`version`."""
    if name == "__version__":
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
