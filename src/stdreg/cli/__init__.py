"""The command line: Typer commands that parse options, call the library and render."""
