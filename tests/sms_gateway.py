"""A stand-in for a provider's SMS backend (what production's SMS_BACKEND names): records the
texts it was given, delivers nothing, logs nothing."""


class RecordingGateway:
    sent: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        type(self).sent.append((mobile, text))
