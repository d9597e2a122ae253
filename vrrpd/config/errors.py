"""What a bad config file produces: every problem at once, each tied to its key path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One mistake in a config file.

    `path` names the key the way a person finds it in the file (`instances.VI_1.priority`,
    `instances.VI_1.virtual_ipaddress[1]`, `line 3, column 7` for TOML syntax); it is empty
    for problems with the file as a whole (cannot read it, unknown top-level key).
    """

    path: str
    message: str

    def render(self, source: str) -> str:
        """The `FILE: path.to.key: message` line that `vrrpd check-config` prints."""
        if self.path:
            return f"{source}: {self.path}: {self.message}"
        return f"{source}: {self.message}"


@dataclass(frozen=True, slots=True)
class ConfigWarning:
    """Something valid that is probably not what the user meant; it never fails validation.
    `path` as in ConfigProblem."""

    path: str
    message: str

    def render(self, source: str) -> str:
        """The `FILE: path.to.key: warning: message` line that `vrrpd check-config` prints."""
        where = f"{self.path}: " if self.path else ""
        return f"{source}: {where}warning: {self.message}"


class ConfigError(Exception):
    """A config file that cannot be used; `problems` lists every mistake found in it."""

    def __init__(self, file: str, problems: list[ConfigProblem] | tuple[ConfigProblem, ...]):
        self.file = file
        self.problems = tuple(problems)
        super().__init__(self.render())

    def render(self) -> str:
        """One line per problem, in file order as far as it is known."""
        return "\n".join(problem.render(self.file) for problem in self.problems)

    def __str__(self) -> str:
        return self.render()
