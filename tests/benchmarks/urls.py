"""The app's URLs plus one bare view: the yardstick every page is compared with."""
from django.http import HttpResponse
from django.urls import path

from accounts.models import User
from config.urls import urlpatterns as app_urlpatterns


def bare(request):
    """One query, through the same middleware (session, sign-in, CSP, logging) as any page."""
    return HttpResponse(str(User.objects.filter(pk=request.user.pk).exists()))


urlpatterns = [path("bench/bare/", bare), *app_urlpatterns]
