"""Mixed role traffic for a load test against `make serve` on this machine (loopback only).

    make load USERS=8 DURATION=60s

Each simulated person signs in once as a demo user of their role, then reads the pages that
role uses most, with a pause of one to three seconds between pages, as people do
(LOAD_THINK="0,0" for none: the server's capacity). Only the
person pages write (their access log). Run on a database loaded with `seed_scale`.
"""
import os
import random
import re
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

PASSWORD = "pathways-demo"
# Seconds between one person's pages ("1,3"); "0,0" measures what the server can take.
THINK = [float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(",")]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK = re.compile(r'href="(/people/[0-9a-f-]{36}/)"')


@events.test_start.add_listener
def loopback_only(environment, **kwargs):
    host = urlparse(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"Load tests run against this machine only, not {host!r}.")


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(*THINK)
    username = ""

    def on_start(self):
        page = self.client.get("/accounts/login/", name="sign in")
        token = TOKEN.search(page.text).group(1)
        response = self.client.post(
            "/accounts/login/", {"username": self.username, "password": PASSWORD,
                                 "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"}, name="sign in")
        if "sessionid" not in self.client.cookies:
            raise RuntimeError(f"Could not sign in as {self.username}: {response.status_code}")

    def open_a_person(self, listing: str):
        links = LINK.findall(self.client.get(listing, name=listing).text)
        if links:
            person = random.choice(links)
            self.client.get(person, name="/people/[id]/")
            self.client.get(f"{person}timeline/", name="/people/[id]/timeline/")


class Coordinator(SignedIn):
    weight = 3
    username = "coordinator"

    @task(4)
    def queue(self):
        self.client.get("/referrals/queue/")

    @task(2)
    def queue_page(self):
        self.client.get(f"/referrals/queue/?page={random.randint(2, 10)}",
                        name="/referrals/queue/?page=N")

    @task(2)
    def waiting(self):
        self.client.get("/intervenors/waiting/")

    @task(1)
    def capacity(self):
        self.client.get("/intervenors/capacity/")

    @task(1)
    def reviews(self):
        self.client.get("/reviews/")

    @task(2)
    def person(self):
        self.open_a_person("/referrals/queue/")


class Commissioner(SignedIn):
    weight = 3
    username = "commissioner"

    @task(3)
    def referrals(self):
        self.client.get("/referrals/")

    @task(2)
    def actions(self):
        self.client.get("/actions/")

    @task(1)
    def api_actions(self):
        self.client.get("/api/v1/actions/")


class Oversight(SignedIn):
    weight = 1
    username = "oversight"

    @task(3)
    def overdue(self):
        self.client.get("/actions/?overdue=on")

    @task(1)
    def equality(self):
        self.client.get("/oversight/equality/")

    @task(1)
    def deep_page(self):
        self.client.get(f"/actions/?page={random.randint(2, 300)}", name="/actions/?page=N")


class Chair(SignedIn):
    weight = 1
    username = "chair"

    @task
    def my_reviews(self):
        self.client.get("/reviews/")
