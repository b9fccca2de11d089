"""The clock the emulator's tests give it (emulator.profile's `now`): time moves only when a test moves it."""


class Clock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, by):
        """by seconds, and a millisecond more: a state due at exactly `now + by` is due."""
        self.now += by + 0.001
