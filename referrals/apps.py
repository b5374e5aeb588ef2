from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self):
        from . import ranking
        from .models import Concern, CqcRating, LtsEpisode, Person, PriorityPolicy, Referral, Unit

        # Every fact behind a priority score, and who is waiting for triage (referrals/ranking.py).
        ranking.watch(Person, Unit, CqcRating, LtsEpisode, Concern, Referral, PriorityPolicy)
        # A migration may rewrite rows without signals: kept orders are worked out again.
        post_migrate.connect(ranking.facts_changed, sender=self,
                             dispatch_uid="ranking-facts-migrate")
