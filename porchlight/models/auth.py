"""Who may act: agents in the workspace, and API keys for the retailer's systems."""

from tortoise import fields
from tortoise.models import Model

from porchlight.enums import Role, Scope
from porchlight.models.brands import Brand


class Agent(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    password_hash = fields.CharField(max_length=255)  # argon2
    role = fields.CharEnumField(Role, max_length=16, default=Role.AGENT)
    brands: fields.ManyToManyRelation[Brand] = fields.ManyToManyField(
        "models.Brand", related_name="agents", through="agent_brand"
    )
    active = fields.BooleanField(default=True)
    # Takes new cases of their brands in turn (porchlight.cases.assignment) while on; the last
    # such case's time decides whose turn it is.
    available = fields.BooleanField(default=False, db_default=False)
    last_assigned_at = fields.DatetimeField(null=True)
    # The language of what is sent to them (SLA alerts); None: each brand's default language.
    locale = fields.CharField(max_length=16, null=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agent"


class AgentSession(Model):
    """One signed-in browser. Its cookie holds a random key and only the key's sha256 is kept:
    deleting the row ends that session everywhere at once, whatever copies of the cookie exist."""

    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="sessions", on_delete=fields.CASCADE
    )
    key_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()

    class Meta:
        table = "agent_session"


# A one-time link to set a password. Only the token's sha256 is kept; it expires and works
# once (`used_at`). (A comment, not a docstring: tortoise would make it a table comment.)
class AgentInvite(Model):
    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="invites", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "agent_invite"


EVERY_SCOPE = " ".join(Scope)


class ApiKey(Model):
    """Only the key's sha256 is stored: the key itself is shown once, at creation.

    Keys made before scopes existed hold every scope, as they could do everything."""

    id = fields.IntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "models.Brand", related_name="api_keys", on_delete=fields.CASCADE
    )
    prefix = fields.CharField(max_length=16)
    key_hash = fields.CharField(max_length=64, unique=True)
    # Space-separated Scope values. The database default gives rows made before scopes every one.
    scopes = fields.CharField(max_length=255, default=EVERY_SCOPE, db_default=EVERY_SCOPE)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes.split()
