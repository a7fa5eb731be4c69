"""typer's help screens in Swedish: the users are Swedish finance staff, and a help screen
that says "Usage", "Options" and "Show this message and exit." is English they see.

The help *texts* are each command's and option's ``help=`` (in :mod:`finsam.cli`); what is
here is typer's frame around them: the panel titles and labels (module settings of
``typer.rich_utils``, read when help is printed), the usage line, the value placeholders and
the ``--help`` option's text (through the ``cls=`` hook of ``typer.Typer`` and
``app.command``). A test reads every help screen for English.
"""

from __future__ import annotations

from typer import rich_utils
from typer.core import TyperCommand, TyperGroup

#: The labels of typer's help screens, in Swedish (typer reads these module settings when it
#: prints help; the help texts themselves are each command's and option's ``help``).
HELP_LABELS = {
    "ARGUMENTS_PANEL_TITLE": "Argument",
    "OPTIONS_PANEL_TITLE": "Flaggor",
    "COMMANDS_PANEL_TITLE": "Kommandon",
    "ERRORS_PANEL_TITLE": "Fel",
    "REQUIRED_LONG_STRING": "[krävs]",
    "DEFAULT_STRING": "[standard: {}]",
    "ENVVAR_STRING": "[miljövariabel: {}]",
    "DEPRECATED_STRING": "(utgår) ",
    "ABORTED_TEXT": "Avbrutet.",
    "RICH_HELP": "Skriv [blue]'{command_path} {help_option}'[/] för hjälp.",
}
for _name, _text in HELP_LABELS.items():
    setattr(rich_utils, _name, _text)
#: What typer prints before a command's usage line, and as the help option's help.
USAGE, USAGE_SV = "Usage:", "Användning:"
HELP_OPTION_HELP = "Visa den här hjälpen och avsluta."


#: The value placeholder shown after an option in help, by the option's Python type (a flag shows none).
OPTION_VALUES = {"Path": "<sökväg>", "str": "<text>", "int": "<tal>", "bool": ""}


class _SwedishHelp:
    """The usage line, the value placeholders and the ``--help`` option in Swedish (the rest
    of typer's help screen comes from :data:`HELP_LABELS`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.options_metavar = "[FLAGGOR]"
        if hasattr(self, "subcommand_metavar"):
            self.subcommand_metavar = "KOMMANDO [ARGUMENT]..."
        for param in self.params:
            self._swedish_value(param)

    @staticmethod
    def _swedish_value(param) -> None:
        """An option's value placeholder from :data:`OPTION_VALUES`; an argument's (typer shows
        its type beside its name) likewise."""
        value = OPTION_VALUES.get(param.bare_type())
        if value is None:
            return
        if param.param_type_name == "option" and param.metavar is None:
            param.metavar = value
        elif param.param_type_name == "argument":
            param.display_type_rich = lambda ctx: value  # typer's hook for that column

    def get_usage(self, ctx) -> str:
        """typer's usage line with "Användning:" in place of "Usage:"."""
        return super().get_usage(ctx).replace(USAGE, USAGE_SV, 1)

    def get_help_option(self, ctx):
        """typer's ``--help`` option, with a Swedish help text and no value placeholder."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help, option.metavar = HELP_OPTION_HELP, ""
        return option


class SwedishCommand(_SwedishHelp, TyperCommand):
    """A command whose help screen is Swedish throughout."""


class SwedishGroup(_SwedishHelp, TyperGroup):
    """The ``finsam`` group, with a Swedish help screen."""


__all__ = ["HELP_LABELS", "SwedishCommand", "SwedishGroup"]
