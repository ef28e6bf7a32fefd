"""Jobs for the engines' tests, importable by spawned workers."""

import time
from dataclasses import dataclass


@dataclass
class Sleeper:
    """A job whose every task sleeps ``seconds`` and returns the task: workers busy for as long as a test needs."""

    seconds: float = 60.0

    def setup(self):
        pass

    def __call__(self, task):
        time.sleep(self.seconds)
        return task

    def crashed(self, task, reason):
        return reason
