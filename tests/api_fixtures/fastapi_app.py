# ruff: noqa: UP006, UP035, UP042, UP045, B008 - written the way real services are
"""A small FastAPI service: routers with prefixes, pydantic models and enums."""

from datetime import datetime
from enum import Enum
from typing import Annotated, List, Optional

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

API_PREFIX = "/api"


class Status(str, Enum):
    ACTIVE = "active"
    DISABLED = "disabled"


class ItemBase(BaseModel):
    name: str
    price: float = 0.0
    tags: List[str] = []


class ItemCreate(ItemBase):
    owner_id: int = Field(..., alias="ownerId")
    description: Optional[str] = None


class Item(ItemBase):
    id: int
    status: Status
    created_at: datetime | None
    sku: Annotated[str, Field(alias="SKU")]


class Page(BaseModel):
    items: list[Item]
    total: int = Field(default=0)


def get_db():
    return None


app = FastAPI(title="shop")
items = APIRouter(prefix="/items", tags=["items"])
admin = APIRouter()


@app.get("/health")
async def health() -> dict:
    return {"ok": True}


@items.get("/", response_model=Page)
def list_items(q: str | None = Query(None), limit: int = 20, db=Depends(get_db)):
    return Page(items=[])


@items.post("/", status_code=201)
def create_item(item: ItemCreate, x_token: Annotated[str, Header()] = "") -> Item:
    raise NotImplementedError


@items.get("/{item_id}")
def get_item(item_id: int, status: Status = Status.ACTIVE) -> Item:
    raise NotImplementedError


@items.api_route("/{item_id}", methods=["PUT", "PATCH"])
def replace_item(item_id: int, payload: Annotated[ItemCreate, Body(embed=True)]):
    return JSONResponse({})


@items.delete("/{item_id}", response_model=None)
def delete_item(item_id: int) -> JSONResponse:
    return JSONResponse({})


@admin.post("/reindex")
def reindex(force: bool = False):
    return None


app.include_router(items, prefix=API_PREFIX)
app.include_router(admin, prefix=f"{API_PREFIX}/admin")
