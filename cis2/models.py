"""What CIS2 sign-in must remember between requests."""
from django.db import models


class SeenLogoutToken(models.Model):
    """A back-channel logout token already honoured, by issuer and token id (`jti`), kept until
    a replay of it would be refused as expired anyway. In the database, not the cache: a
    cache outage once made every logout look replayed, and the person's sessions lived on
    (round 4, finding 3). Operational: no history; expired rows are removed as new ones come."""

    key = models.CharField(max_length=500, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"logout token seen, kept until {self.expires_at:%Y-%m-%d %H:%M}"
