from django.apps import AppConfig


class IntervenorsConfig(AppConfig):
    name = "intervenors"

    def ready(self):
        from referrals import ranking

        from .models import IntervenorCase

        # Who is waiting, and since when (the waiting list's tie-break): referrals/ranking.py.
        ranking.watch(IntervenorCase)
