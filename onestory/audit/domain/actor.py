"""Who is acting: every action and audited read takes one of these as `by=`."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person or process behind an action, as the audit log records it (ids and labels,
    never foreign keys)."""

    id: str
    label: str
    role: str = ""
    organisation: str = ""
    channel: str = "page"
    user_pk: int | None = None

    @classmethod
    def system(cls, label: str = "onestory", channel: str = "cli") -> "Actor":
        return cls(id=f"system:{label}", label=label, role="system", channel=channel)

    def via(self, channel: str) -> "Actor":
        """The same actor acting through another channel (page, api, cli)."""
        return Actor(self.id, self.label, self.role, self.organisation, channel, self.user_pk)
