"""A small FastAPI/SQLAlchemy payments service whose history has real problems and fixes.

`make demo` commits this history into a fresh git repository and reviews it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ALICE = ("Alice Moreau", "alice@payments.example")
BOB = ("Bob Okafor", "bob@payments.example")
CAROL = ("Carol Nguyen", "carol@payments.example")
DAVE = ("Dave Lindqvist", "dave@payments.example")


# Fake credentials in the shapes scanners know, assembled at run time so that this source
# file itself does not trip secret scanners (ours included) or push protection.
FAKE_STRIPE_KEY = "sk_" + "live_" + "51HqLyjWDarjtT1zdp7dcQx4eC39"
FAKE_GITHUB_TOKEN = "ghp" + "_Xq8rT2vLm9Nw4Zp7Ks1Hd6Jf3Gb5Yc0Ue2Ai"


@dataclass(frozen=True)
class DemoCommit:
    author: tuple[str, str]
    days_ago: float
    message: str
    files: dict[str, str | bytes | None]


MAIN_V1 = '''from fastapi import FastAPI

from app.routes import users

app = FastAPI(title="payments")
app.include_router(users.router)


@app.get("/health")
async def health():
    return {"status": "ok"}
'''

DB = '''import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''

USERS_V1 = '''from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import get_db

router = APIRouter(prefix="/users")


@router.get("/{user_id}")
async def get_user(user_id: str, db: Session = Depends(get_db)):
    row = db.execute(text(f"SELECT id, email, plan FROM users WHERE id = '{user_id}'")).first()
    return dict(row._mapping) if row else None
'''

USERS_V2 = '''from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import get_db

router = APIRouter(prefix="/users")


@router.get("/{user_id}")
async def get_user(user_id: str, db: Session = Depends(get_db)):
    row = db.execute(
        text("SELECT id, email, plan FROM users WHERE id = :id"), {"id": user_id}
    ).first()
    return dict(row._mapping) if row else None
'''

PAYMENTS_V1 = '''import requests

from app.settings import settings


class PaymentsClient:
    def __init__(self, base_url: str = "https://api.stripe.com/v1"):
        self.base_url = base_url

    def charge(self, customer_id: str, amount_cents: int) -> dict:
        response = requests.post(
            f"{self.base_url}/charges",
            data={"customer": customer_id, "amount": amount_cents, "currency": "eur"},
            auth=(settings.stripe_key, ""),
        )
        response.raise_for_status()
        return response.json()

    def refund(self, charge_id: str) -> dict:
        response = requests.post(
            f"{self.base_url}/refunds",
            data={"charge": charge_id},
            auth=(settings.stripe_key, ""),
        )
        response.raise_for_status()
        return response.json()
'''

PAYMENTS_V2 = PAYMENTS_V1.replace(
    '            auth=(settings.stripe_key, ""),\n        )\n        response.raise_for_status()\n'
    "        return response.json()\n\n    def refund",
    '            auth=(settings.stripe_key, ""),\n            timeout=(3.05, 15),\n        )\n'
    "        response.raise_for_status()\n        return response.json()\n\n    def refund",
)

SETTINGS_V1 = '''from dataclasses import dataclass


@dataclass
class Settings:
    stripe_key: str = "{FAKE_STRIPE_KEY}"
    db_password: str = "Pg-pr0d-9f3kQz7w"


settings = Settings()
'''.replace("{FAKE_STRIPE_KEY}", FAKE_STRIPE_KEY)

SETTINGS_V2 = '''import os
from dataclasses import dataclass, field


@dataclass
class Settings:
    stripe_key: str = field(default_factory=lambda: os.environ["STRIPE_KEY"])
    db_password: str = field(default_factory=lambda: os.environ["DB_PASSWORD"])


settings = Settings()
'''

SEARCH_V1 = '''from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.db import get_db

router = APIRouter(prefix="/search")


@router.get("/invoices")
async def search_invoices(q: str, db: Session = Depends(get_db)):
    sql = "SELECT id, number, total FROM invoices WHERE number LIKE '%{}%'".format(q)
    return [dict(r._mapping) for r in db.execute(sql)]
'''

SEARCH_V2 = '''"""Invoice search for the back office."""

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.db import get_db

router = APIRouter(prefix="/search", tags=["search"])

MAX_RESULTS = 50


@router.get("/invoices")
async def search_invoices(q: str, db: Session = Depends(get_db)):
    sql = "SELECT id, number, total FROM invoices WHERE number LIKE '%{}%'".format(q)
    return [dict(r._mapping) for r in db.execute(sql)][:MAX_RESULTS]
'''

WEBHOOKS_V1 = '''import httpx

from app.settings import settings


async def notify_merchant(url: str, event: dict) -> None:
    async with httpx.AsyncClient(timeout=None) as client:
        await client.post(url, json=event)
'''

REPORTS_V1 = '''from sqlalchemy.orm import Session


def monthly_revenue(db: Session, merchant_id: str, month: str) -> list[dict]:
    query = "SELECT day, SUM(total) FROM invoices WHERE merchant_id = '%s' AND month = '%s'"
    query = query % (merchant_id, month)
    query += " GROUP BY day ORDER BY day"
    cursor = db.connection().connection.cursor()
    cursor.execute(query)
    return cursor.fetchall()
'''

DEPLOY_V1 = '''#!/bin/sh
set -eu
# Pull the release image and restart.
export GITHUB_TOKEN={FAKE_GITHUB_TOKEN}
docker compose pull api && docker compose up -d api
'''.replace("{FAKE_GITHUB_TOKEN}", FAKE_GITHUB_TOKEN)

TEST_HEALTH = '''from fastapi.testclient import TestClient

from app.main import app


def test_health_answers_ok():
    assert TestClient(app).get("/health").json() == {"status": "ok"}
'''

# A PNG header and a Windows-1252 CSV: the review records both as skipped, with reasons.
LOGO_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00"
LEGACY_CSV = "id;name;city\n1;Ren\xe9e;K\xf6ln\n2;Jos\xe9;M\xe1laga\n".encode("cp1252")

HISTORY = [
    DemoCommit(ALICE, 41, "Start payments service: health endpoint and DB session",
               {"app/__init__.py": "", "app/db.py": DB, "app/main.py": MAIN_V1.replace(
                   "from app.routes import users\n\n", "").replace(
                   "app.include_router(users.router)\n", ""),
                "tests/test_health.py": TEST_HEALTH,
                "README.md": "# payments\n\nPayments API.\n"}),
    DemoCommit(ALICE, 38, "Add user lookup endpoint",
               {"app/routes/__init__.py": "", "app/routes/users.py": USERS_V1,
                "app/main.py": MAIN_V1}),
    DemoCommit(CAROL, 35, "Add settings for Stripe and the database",
               {"app/settings.py": SETTINGS_V1}),
    DemoCommit(BOB, 33, "Add Stripe payments client", {"app/payments.py": PAYMENTS_V1}),
    DemoCommit(CAROL, 29, "Read secrets from the environment", {"app/settings.py": SETTINGS_V2}),
    DemoCommit(DAVE, 26, "Add brand assets and the legacy customer import",
               {"static/logo.png": LOGO_PNG, "data/legacy_customers.csv": LEGACY_CSV}),
    DemoCommit(BOB, 22, "Add invoice search", {"app/routes/search.py": SEARCH_V1}),
    DemoCommit(CAROL, 19, "Use bound parameters in user lookup",
               {"app/routes/users.py": USERS_V2}),
    DemoCommit(DAVE, 15, "Notify merchants by webhook", {"app/webhooks.py": WEBHOOKS_V1}),
    DemoCommit(BOB, 12, "Time out Stripe charges after 15 s", {"app/payments.py": PAYMENTS_V2}),
    DemoCommit(ALICE, 8, "Document and cap invoice search", {"app/routes/search.py": SEARCH_V2}),
    DemoCommit(ALICE, 5, "Add monthly revenue report", {"app/reports.py": REPORTS_V1}),
    DemoCommit(DAVE, 2, "Add deploy script", {"scripts/deploy.sh": DEPLOY_V1}),
]


REFUNDS_V1 = '''import logging

from fastapi import APIRouter

from app.payments import StripeClient

log = logging.getLogger(__name__)
router = APIRouter(prefix="/refunds", tags=["refunds"])


@router.post("/{charge_id}")
async def refund(charge_id: str, customer_email: str):
    log.info("refund of %s requested by %s", charge_id, customer_email)
    return StripeClient().refund(charge_id)
'''

TEST_REFUNDS = '''from app.routes.refunds import router


def test_refund_route_is_mounted_under_refunds():
    assert router.prefix == "/refunds"
'''

SEARCH_V3 = SEARCH_V2.replace(
    "from sqlalchemy.orm import Session",
    "from sqlalchemy import text\nfrom sqlalchemy.orm import Session",
).replace(
    '''    sql = "SELECT id, number, total FROM invoices WHERE number LIKE '%{}%'".format(q)
    return [dict(r._mapping) for r in db.execute(sql)][:MAX_RESULTS]''',
    '''    sql = text("SELECT id, number, total FROM invoices WHERE number LIKE :q")
    return [dict(r._mapping) for r in db.execute(sql, {"q": f"%{q}%"})][:MAX_RESULTS]''',
)


@dataclass(frozen=True)
class DemoPullRequest:
    """Work on a branch cut from the tip of main; merged by a GitHub-style merge commit, or
    left open and published as refs/pull/N/head like GitHub does."""

    number: int
    branch: str
    title: str
    commits: list[DemoCommit]
    merged_days_ago: float | None


PULL_REQUESTS = [
    DemoPullRequest(14, "feature/refunds", "Add the refund endpoint", [
        DemoCommit(BOB, 1.6, "Add refund endpoint", {"app/routes/refunds.py": REFUNDS_V1}),
        DemoCommit(BOB, 1.4, "Test the refund route", {"tests/test_refunds.py": TEST_REFUNDS}),
    ], merged_days_ago=1.0),
    DemoPullRequest(15, "fix/search-injection", "Bind the invoice search parameter", [
        DemoCommit(CAROL, 0.5, "Bind the invoice search parameter",
                   {"app/routes/search.py": SEARCH_V3}),
    ], merged_days_ago=None),
]


def commit_dates(now: datetime) -> list[datetime]:
    return [now - timedelta(days=c.days_ago) for c in HISTORY]
