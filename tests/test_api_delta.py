"""The API contract delta on a real history: FastAPI, Express and gin routes and models
added, changed and removed, per commit and for a multi-commit range (a pull request)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.engine import Reviewer
from reviewer.git import GitRepository, write_commit

FASTAPI_V1 = '''from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class UserCreate(BaseModel):
    name: str
    email: str


@app.get("/users/{user_id}")
async def get_user(user_id: int):
    return {"id": user_id}


@app.post("/users")
async def create_user(user: UserCreate):
    return user
'''
FASTAPI_V2 = FASTAPI_V1.replace(
    "    email: str\n", "    email: str\n    nickname: str | None = None\n")
FASTAPI_V3 = FASTAPI_V2.replace(
    "    nickname: str | None = None\n", "    nickname: str | None = None\n    age: int\n"
).replace('''@app.get("/users/{user_id}")
async def get_user(user_id: int):
    return {"id": user_id}


''', "")

EXPRESS_V1 = '''const express = require("express");
const app = express();

app.get("/orders/:id", async (req, res) => {
  res.json({ id: req.params.id });
});

app.post("/orders", async (req, res) => {
  res.status(201).json(req.body);
});

module.exports = app;
'''
EXPRESS_V2 = EXPRESS_V1.replace('''module.exports = app;''', '''app.get("/orders", async (req, res) => {
  res.json([]);
});

module.exports = app;''')
EXPRESS_V3 = EXPRESS_V2.replace('''app.post("/orders", async (req, res) => {
  res.status(201).json(req.body);
});

''', "")

GIN_V1 = '''package main

import "github.com/gin-gonic/gin"

type Item struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func main() {
	r := gin.Default()
	r.GET("/items/:id", getItem)
	r.Run()
}

func getItem(c *gin.Context) {
	c.JSON(200, Item{})
}
'''
GIN_V2 = GIN_V1.replace('''	Name string `json:"name"`
''', '''	Name  string  `json:"name"`
	Price float64 `json:"price,omitempty"`
''')
GIN_V3 = GIN_V2.replace('''	Name  string  `json:"name"`''', '''	Name  int     `json:"name"`''')


@pytest.fixture
def history(tmp_path):
    repo = tmp_path / "shop"
    files = ("api/users.py", "web/orders.js", "cmd/items/main.go")
    shas = []
    for version in ((FASTAPI_V1, EXPRESS_V1, GIN_V1), (FASTAPI_V2, EXPRESS_V2, GIN_V2),
                    (FASTAPI_V3, EXPRESS_V3, GIN_V3)):
        shas.append(write_commit(repo, dict(zip(files, version, strict=True)),
                                 f"API version {len(shas) + 1}"))
    return repo, shas


def summary(changes):
    return {(c.change, c.subject, c.breaking) for c in changes}


def test_each_commit_has_its_own_api_delta(history):
    repo, shas = history
    with GitRepository(repo) as repository:
        reviews = {r.commit.sha: r for r in Reviewer(repository).review_range("HEAD")}
    first = summary(reviews[shas[0]].api_changes)
    assert ("endpoint-added", "GET /users/{user_id}", False) in first
    assert ("endpoint-added", "POST /orders", False) in first
    assert ("endpoint-added", "GET /items/{id}", False) in first
    assert not any(breaking for _, _, breaking in first)

    assert summary(reviews[shas[1]].api_changes) == {
        ("field-added", "UserCreate.nickname", False),
        ("endpoint-added", "GET /orders", False),
        ("field-added", "Item.price", False),
    }
    third = summary(reviews[shas[2]].api_changes)
    assert third == {
        ("endpoint-removed", "GET /users/{user_id}", True),
        ("field-added", "UserCreate.age", True),
        ("endpoint-removed", "POST /orders", True),
        ("field-type-changed", "Item.name", True),
    }
    breaking = [f for f in reviews[shas[2]].introduced if f.rule_id == "breaking-api-change"]
    assert {f.path for f in breaking} == {"api/users.py", "web/orders.js", "cmd/items/main.go"}
    age = next(f for f in breaking if "UserCreate.age" in f.message)
    assert age.line == FASTAPI_V3.splitlines().index("    age: int") + 1
    assert all(f.severity == "high" for f in breaking)


def test_a_range_delta_compares_the_base_with_the_head(history):
    repo, shas = history
    with GitRepository(repo) as repository:
        changes = Reviewer(repository).range_api_delta(shas[0], shas[2])
    assert summary(changes) == {
        ("endpoint-removed", "GET /users/{user_id}", True),
        ("endpoint-removed", "POST /orders", True),
        ("endpoint-added", "GET /orders", False),
        ("field-added", "UserCreate.nickname", False),
        ("field-added", "UserCreate.age", True),
        ("field-added", "Item.price", False),
        ("field-type-changed", "Item.name", True),
    }
    removed = next(c for c in changes if c.subject == "POST /orders")
    assert removed.path == "web/orders.js" and "404" in removed.migration_note


def test_the_command_line_prints_the_range_delta(history):
    repo, shas = history
    reviewer = Path(sys.executable).parent / "reviewer"
    result = subprocess.run(
        [str(reviewer), "api-delta", str(repo), "--rev-range", f"{shas[0]}..{shas[2]}",
         "--format", "json", "--fail-on-breaking"], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["breaking"] == 4
    assert {c["subject"] for c in report["changes"]} >= {"GET /orders", "Item.name"}


def test_an_openapi_document_is_the_source_of_truth(tmp_path):
    spec_v1 = ("openapi: 3.0.0\ninfo: {title: shop, version: '1'}\npaths:\n"
               "  /users:\n    get: {responses: {'200': {description: ok}}}\n"
               "  /users/{id}:\n    delete: {responses: {'204': {description: gone}}}\n")
    spec_v2 = spec_v1.replace(
        "  /users/{id}:\n    delete: {responses: {'204': {description: gone}}}\n", "")
    repo = tmp_path / "svc"
    write_commit(repo, {"openapi.yaml": spec_v1, "app.py": FASTAPI_V1}, "spec")
    head = write_commit(repo, {"openapi.yaml": spec_v2, "app.py": FASTAPI_V3}, "drop delete")
    with GitRepository(repo) as repository:
        reviews = list(Reviewer(repository).review_range("HEAD"))
    last = reviews[-1]
    assert last.commit.sha == head
    # Only the document's change counts; the code-derived route removal is ignored.
    assert summary(last.api_changes) == {("endpoint-removed", "DELETE /users/{id}", True)}
