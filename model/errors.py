"""Errors that the command line turns into a message and an exit code (besides ScenarioError)."""


class ResultsExistError(Exception):
    """The results folder exists and overwriting was not asked for."""
