"""API surface extraction: endpoints and models of realistic files, one per framework.

Each fixture under tests/api_fixtures/ is a small but realistic service file; the expectations
list every endpoint (method, path, handler, line, request model, response model) and every
model (kind, line, fields as (wire name, type, required, line) or enum values), exactly.
"""

from pathlib import Path

import pytest

from reviewer.api import ApiSurface, extract_surface, try_extract_surface
from reviewer.api.paths import normalize_path, normalize_regex_path

FIXTURES = Path(__file__).parent / "api_fixtures"

FRAMEWORKS = {
    "fastapi_app.py": "fastapi",
    "flask_app.py": "flask",
    "django_urls.py": "django",
    "express/app.ts": "express",
    "fastify/server.js": "fastify",
    "nest/users.controller.ts": "nestjs",
    "nextjs/pages/api/users/[id].ts": "nextjs",
    "nextjs/pages/api/users/index.js": "nextjs",
    "nextjs/app/api/users/route.ts": "nextjs",
    "nextjs/app/api/(admin)/orders/[orderId]/route.ts": "nextjs",
    "go/nethttp.go": "net/http",
    "go/gin.go": "gin",
    "go/echo.go": "echo",
    "go/chi.go": "chi",
    "openapi/petstore.yaml": "openapi",
    "openapi/swagger.json": "openapi",
}

EXPECTED = {
    'fastapi_app.py': (
        [
            ('GET', '/health', 'health', 52, None, 'dict'),
            ('GET', '/api/items', 'list_items', 57, None, 'Page'),
            ('POST', '/api/items', 'create_item', 62, 'ItemCreate', 'Item'),
            ('GET', '/api/items/{item_id}', 'get_item', 67, None, 'Item'),
            ('PATCH', '/api/items/{item_id}', 'replace_item', 72, 'ItemCreate', None),
            ('PUT', '/api/items/{item_id}', 'replace_item', 72, 'ItemCreate', None),
            ('DELETE', '/api/items/{item_id}', 'delete_item', 77, None, None),
            ('POST', '/api/admin/reindex', 'reindex', 82, None, None),
        ],
        {
            'Status': ('enum', 15, ('active', 'disabled')),
            'ItemBase': ('pydantic', 20, [
                ('name', 'str', True, 21),
                ('price', 'float', False, 22),
                ('tags', 'list[str]', False, 23),
            ]),
            'ItemCreate': ('pydantic', 26, [
                ('name', 'str', True, 21),
                ('price', 'float', False, 22),
                ('tags', 'list[str]', False, 23),
                ('ownerId', 'int', True, 27),
                ('description', 'str | None', False, 28),
            ]),
            'Item': ('pydantic', 31, [
                ('name', 'str', True, 21),
                ('price', 'float', False, 22),
                ('tags', 'list[str]', False, 23),
                ('id', 'int', True, 32),
                ('status', 'Status', True, 33),
                ('created_at', 'datetime | None', False, 34),
                ('SKU', 'str', True, 35),
            ]),
            'Page': ('pydantic', 38, [
                ('items', 'list[Item]', True, 39),
                ('total', 'int', False, 40),
            ]),
        },
    ),
    'flask_app.py': (
        [
            ('GET', '/', 'index', 19, None, None),
            ('GET', '/login', 'login', 24, None, None),
            ('POST', '/login', 'login', 24, None, None),
            ('GET', '/api/users/{user_id}', 'show_user', 29, None, None),
            ('PUT', '/api/users/{user_id}/avatar/{filename}', 'upload_avatar', 34, None, None),
            ('DELETE', '/api/users/{user_id}', 'delete_user', 39, None, None),
            ('GET', '/tokens', 'TokenAPI', 52, None, None),
            ('POST', '/tokens', 'TokenAPI', 52, None, None),
        ],
        {
            'UserPayload': ('dataclass', 13, [
                ('email', 'str', True, 14),
                ('name', 'str', False, 15),
                ('roles', 'list[str]', False, 16),
            ]),
        },
    ),
    'django_urls.py': (
        [
            ('ANY', '/api/articles', 'ArticleViewSet', 8, None, None),
            ('ANY', '/api/articles/{pk}', 'ArticleViewSet', 8, None, None),
            ('ANY', '/', 'index', 13, None, None),
            ('ANY', '/posts/{pk}', 'PostDetailView', 14, None, None),
            ('ANY', '/posts/{slug}/comments', 'comments', 15, None, None),
            ('ANY', '/archive/{year}', 'archive', 16, None, None),
            ('ANY', '/accounts/profile', 'profile', 21, None, None),
            ('ANY', '/accounts/settings', 'settings_view', 22, None, None),
        ],
        {
        },
    ),
    'express/app.ts': (
        [
            ('GET', '/api/users', 'listUsers', 48, None, None),
            ('POST', '/api/users', 'createUser', 49, 'CreateUserSchema', None),
            ('GET', '/api/users/{id}', '<anonymous>', 50, None, None),
            ('PATCH', '/api/users/{id}', 'updateUser', 51, 'UpdateUserSchema', None),
            ('GET', '/api/users/{id}/avatar', '<anonymous>', 56, None, None),
            ('PUT', '/api/users/{id}/avatar', 'listUsers', 57, None, None),
            ('GET', '/health', '<anonymous>', 59, None, None),
            ('DELETE', '/api/sessions/{sessionId}', '<anonymous>', 60, None, None),
        ],
        {
            'AddressSchema': ('zod', 4, [
                ('street', 'string', True, 5),
                ('zip', 'string', False, 6),
            ]),
            'CreateUserSchema': ('zod', 9, [
                ('email', 'string', True, 11),
                ('name', 'string', True, 12),
                ('age', 'number', False, 13),
                ('role', '"admin" | "member"', False, 14),
                ('address', 'AddressSchema | null', False, 15),
                ('tags', 'string[]', True, 16),
            ]),
            'UpdateUserSchema': ('zod', 20, [
                ('email', 'string', False, 11),
                ('name', 'string', False, 12),
                ('age', 'number', False, 13),
                ('role', '"admin" | "member"', False, 14),
                ('address', 'AddressSchema | null', False, 15),
                ('tags', 'string[]', False, 16),
                ('id', 'string', True, 21),
            ]),
            'Role': ('enum', 24, ('admin', 'member', 'guest')),
        },
    ),
    'fastify/server.js': (
        [
            ('GET', '/v1/products', '<anonymous>', 11, None, None),
            ('GET', '/v1/products/{productId}', 'getProduct', 12, None, 'Product'),
            ('PATCH', '/v1/products/{productId}', 'updateProduct', 13, 'Product', None),
            ('PUT', '/v1/products/{productId}', 'updateProduct', 13, 'Product', None),
            ('GET', '/ping', '<anonymous>', 29, None, None),
            ('POST', '/orders', 'createOrder', 30, None, None),
            ('DELETE', '/orders/{orderId}', '<anonymous>', 36, None, None),
            ('GET', '/internal/status', '<anonymous>', 44, None, None),
        ],
        {
        },
    ),
    'nest/users.controller.ts': (
        [
            ('GET', '/users', 'findAll', 21, None, 'UserView[]'),
            ('GET', '/users/{id}', 'findOne', 26, None, 'UserView'),
            ('POST', '/users', 'create', 31, 'CreateUserDto', 'UserView'),
            ('PUT', '/users/{id}', 'update', 37, 'UpdateUserDto', None),
            ('DELETE', '/users/{id}', 'remove', 42, None, None),
            ('POST', '/admin/users/{id}/ban', 'ban', 51, None, None),
        ],
        {
        },
    ),
    'nest/users.dto.ts': (
        [
        ],
        {
            'UserRole': ('enum', 4, ('admin', 'member')),
            'CreateUserDto': ('ts-class', 9, [
                ('email', 'string', True, 11),
                ('name', 'string', True, 14),
                ('age', 'number', False, 18),
                ('role', 'UserRole', False, 20),
            ]),
            'UpdateUserDto': ('ts-class', 23, [
                ('email', 'string', False, 11),
                ('name', 'string', False, 14),
                ('age', 'number', False, 18),
                ('role', 'UserRole', False, 20),
            ]),
            'UserView': ('ts-interface', 25, [
                ('id', 'string', True, 26),
                ('email', 'string', True, 27),
                ('name', 'string', False, 28),
                ('roles', 'UserRole[]', True, 29),
            ]),
            'UserStatus': ('enum', 32, ('active', 'suspended')),
        },
    ),
    'nextjs/pages/api/users/[id].ts': (
        [
            ('ANY', '/api/users/{id}', 'handler', 5, None, None),
        ],
        {
            'User': ('ts-type', 3, [
                ('id', 'string', True, 3),
                ('name', 'string', True, 3),
                ('email', 'string', False, 3),
            ]),
        },
    ),
    'nextjs/pages/api/users/index.js': (
        [
            ('ANY', '/api/users', 'listUsers', 7, None, None),
        ],
        {
        },
    ),
    'nextjs/app/api/users/route.ts': (
        [
            ('GET', '/api/users', 'GET', 10, None, None),
            ('POST', '/api/users', 'POST', 14, 'NewUser', None),
        ],
        {
            'NewUser': ('zod', 4, [
                ('name', 'string', True, 5),
                ('email', 'string', True, 6),
                ('admin', 'boolean', False, 7),
            ]),
        },
    ),
    'nextjs/app/api/(admin)/orders/[orderId]/route.ts': (
        [
            ('DELETE', '/api/orders/{orderId}', 'remove', 10, None, None),
            ('GET', '/api/orders/{orderId}', 'read', 10, None, None),
        ],
        {
            'Params': ('ts-type', 1, [
                ('params', 'Promise<{ orderId: string }>', True, 1),
            ]),
        },
    ),
    'go/nethttp.go': (
        [
            ('GET', '/notes', 'listNotes', 46, None, None),
            ('POST', '/notes', 'createNote', 47, 'createNoteRequest', None),
            ('GET', '/notes/{id}', '<anonymous>', 48, None, None),
            ('DELETE', '/notes/{id}', 'listNotes', 51, None, None),
            ('ANY', '/static', 'FileServer', 52, None, None),
            ('GET', '/api/version', 'health', 55, None, None),
            ('ANY', '/healthz', 'health', 58, None, None),
        ],
        {
            'Note': ('go-struct', 10, [
                ('id', 'int64', True, 11),
                ('title', 'string', True, 12),
                ('body', 'string', False, 13),
                ('pinned', '*bool', False, 14),
                ('created_at', 'time.Time', True, 15),
                ('Author', 'string', True, 18),
            ]),
            'createNoteRequest': ('go-struct', 21, [
                ('title', 'string', True, 22),
                ('body', 'string', False, 23),
            ]),
        },
    ),
    'go/gin.go': (
        [
            ('DELETE', '/api/v1/admin/albums/{id}', '<anonymous>', 43, None, None),
            ('GET', '/ping', '<anonymous>', 49, None, None),
            ('GET', '/api/v1/albums', 'List', 54, None, None),
            ('GET', '/api/v1/albums/{id}', 'Get', 55, None, None),
            ('POST', '/api/v1/albums', 'Create', 56, 'Album', None),
            ('ANY', '/api/v1/albums/{id}/raw/{path}', 'Get', 57, None, None),
            ('PATCH', '/api/v1/albums/{id}', 'Create', 60, 'Album', None),
        ],
        {
            'Album': ('go-struct', 9, [
                ('id', 'string', True, 10),
                ('title', 'string', True, 11),
                ('artist', 'string', True, 12),
                ('price', 'float64', False, 13),
                ('notes', '*string', False, 14),
            ]),
            'AlbumStatus': ('enum', 17, ('draft', 'published')),
        },
    ),
    'go/echo.go': (
        [
            ('POST', '/users', 'createUser', 31, 'User', None),
            ('GET', '/users/{id}', 'getUser', 32, None, None),
            ('PUT', '/admin/users/{id}', 'createUser', 35, 'User', None),
            ('GET', '/admin/stats', 'getUser', 36, None, None),
            ('HEAD', '/admin/stats', 'getUser', 36, None, None),
        ],
        {
            'User': ('go-struct', 11, [
                ('id', 'int', True, 12),
                ('name', 'string', True, 13),
                ('email', 'string', False, 14),
            ]),
        },
    ),
    'go/chi.go': (
        [
            ('GET', '/admin', 'listArticles', 36, None, None),
            ('DELETE', '/admin/articles/{articleID}', 'getArticle', 37, None, None),
            ('GET', '/', '<anonymous>', 44, None, None),
            ('GET', '/articles', 'listArticles', 47, None, None),
            ('POST', '/articles', 'createArticle', 48, 'Article', None),
            ('GET', '/articles/{articleID}', 'getArticle', 50, None, None),
            ('PUT', '/articles/{articleID}', 'createArticle', 51, 'Article', None),
            ('GET', '/articles/search', 'listArticles', 53, None, None),
            ('PATCH', '/settings', 'getArticle', 56, None, None),
        ],
        {
            'Article': ('go-struct', 11, [
                ('id', 'string', True, 12),
                ('title', 'string', True, 13),
                ('tags', '[]string', False, 14),
                ('summary', '*string', False, 15),
            ]),
            'ArticleList': ('go-struct', 18, [
                ('items', '[]Article', True, 19),
                ('next', 'string', False, 20),
            ]),
        },
    ),
    'openapi/petstore.yaml': (
        [
            ('GET', '/pets', 'listPets', 9, None, 'Pet[]'),
            ('POST', '/pets', 'createPet', 25, 'NewPet', 'Pet'),
            ('GET', '/pets/{petId}', 'showPetById', 43, None, 'Pet'),
            ('DELETE', '/pets/{petId}', '<anonymous>', 58, None, None),
        ],
        {
            'NewPet': ('openapi-schema', 71, [
                ('name', 'string', True, 75),
                ('tag', 'string | null', False, 77),
                ('status', 'PetStatus', False, 80),
            ]),
            'Pet': ('openapi-schema', 82, [
                ('name', 'string', True, 75),
                ('tag', 'string | null', False, 77),
                ('status', 'PetStatus', False, 80),
                ('id', 'integer', True, 89),
                ('photos', 'string[]', False, 92),
            ]),
            'PetStatus': ('enum', 96, ('available', 'pending', 'sold')),
            'Error': ('openapi-schema', 99, [
                ('code', 'integer', True, 103),
                ('message', 'string', True, 105),
            ]),
        },
    ),
    'openapi/swagger.json': (
        [
            ('GET', '/users', 'listUsers', 7, None, 'User[]'),
            ('POST', '/users', 'createUser', 13, 'NewUser', 'User'),
            ('PUT', '/users/{userId}', 'updateUser', 22, 'NewUser', 'User'),
        ],
        {
            'NewUser': ('openapi-schema', 33, [
                ('email', 'string', True, 37),
                ('name', 'string', False, 38),
                ('role', 'Role', False, 39),
            ]),
            'User': ('openapi-schema', 42, [
                ('id', 'integer', True, 46),
                ('email', 'string', True, 47),
                ('groups', 'string[]', False, 48),
            ]),
            'Role': ('enum', 51, ('admin', 'user')),
        },
    ),
}


def extract(name: str) -> ApiSurface:
    path = FIXTURES / name
    return extract_surface(f"tests/api_fixtures/{name}", path.read_text(encoding="utf-8"))


def endpoint_rows(surface: ApiSurface) -> list[tuple]:
    return [(e.method, e.path, e.handler, e.line, e.request_model, e.response_model)
            for e in surface.endpoints]


def model_rows(surface: ApiSurface) -> dict[str, tuple]:
    rows = {}
    for model in surface.models:
        if model.kind == "enum":
            rows[model.name] = (model.kind, model.line, model.enum_values)
        else:
            rows[model.name] = (model.kind, model.line,
                                [(f.name, f.type, f.required, f.line) for f in model.fields])
    return rows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_surface(name):
    surface = extract(name)
    endpoints, models = EXPECTED[name]
    assert endpoint_rows(surface) == endpoints
    assert model_rows(surface) == models
    assert {e.framework for e in surface.endpoints} == (
        {FRAMEWORKS[name]} if name in FRAMEWORKS else set())
    assert surface.is_openapi == name.startswith("openapi/")


@pytest.mark.parametrize(("raw", "normalized"), [
    ("/users/:id", "/users/{id}"),
    ("/users/:id(\\d+)?", "/users/{id}"),
    ("users/<int:pk>/", "/users/{pk}"),
    ("/files/<path:name>", "/files/{name}"),
    ("/items/{item_id:int}", "/items/{item_id}"),
    ("/files/{rest...}", "/files/{rest}"),
    ("/articles/{id:[0-9]{2,3}}", "/articles/{id}"),
    ("/static/*filepath", "/static/{filepath}"),
    ("/notes/{$}", "/notes"),
    ("", "/"),
    ("/", "/"),
    ("//api//v1/", "/api/v1"),
])
def test_paths_are_normalized(raw, normalized):
    assert normalize_path(raw) == normalized


def test_django_regex_routes_lose_anchors_and_patterns():
    assert normalize_regex_path(r"^posts/(?P<year>[0-9]{4})/(?P<slug>[\w-]+)/$") == \
        "/posts/{year}/{slug}"
    assert normalize_regex_path(r"^$") == "/"


@pytest.mark.parametrize("text", [
    "",
    "\x00\x01\x02binary\x00",
    "def broken(:\n    pass\n",
    "\ufffd\ufffd PNG \x1a\n" * 50,
    "}}}{{{ ;;; )))",
])
@pytest.mark.parametrize("path", ["app/main.py", "src/app.ts", "api/server.go",
                                  "spec/openapi.yaml", "pages/api/x.js", "swagger.json"])
def test_garbage_gives_an_empty_surface(path, text):
    surface = extract_surface(path, text)
    assert surface == ApiSurface(endpoints=(), models=())


def test_unreadable_files_are_unknown_rather_than_empty():
    assert try_extract_surface("app/main.py", "@app.get('/x')\ndef broken(:\n") is None
    assert try_extract_surface("api/server.go", "package main\n" + "func ((( GET\n" * 40) \
        is None
    assert try_extract_surface("app/main.py", "x = 1\n") == ApiSurface((), ())
    assert try_extract_surface("openapi.yaml", "openapi: 3.0.0\npaths: [\n") is None
    assert try_extract_surface("README.md", "# openapi: 3\n") == ApiSurface((), ())


def test_http_clients_are_not_endpoints():
    ts = """import axios from "axios";
const api = axios.create({ baseURL: "/api" });
export async function load(id: string) {
  const a = await axios.get(`/users/${id}`, { params: { x: 1 } });
  const b = await api.post("/users", { name: "x" });
  this.http.get<User[]>("/api/users");
  new Map().get("x");
  return [a, b];
}
"""
    go = """package client
import "net/http"
func Do() {
	resp, _ := http.Get("http://x/y")
	http.Post("http://x/y", "application/json", nil)
	req, _ := http.NewRequest("GET", "/ping", nil)
	_, _ = req, resp
}
"""
    py = """import requests
def fetch(session):
    requests.get("/x")
    return session.post("/y", json={})
"""
    assert extract_surface("web/src/client.ts", ts).endpoints == ()
    assert extract_surface("pkg/client/client.go", go).endpoints == ()
    assert extract_surface("app/client.py", py).endpoints == ()


def test_test_files_declare_no_surface():
    go = (FIXTURES / "go" / "gin.go").read_text()
    assert extract_surface("api/gin_test.go", go) == ApiSurface((), ())
    ts = (FIXTURES / "express" / "app.ts").read_text()
    assert extract_surface("src/app.spec.ts", ts) == ApiSurface((), ())


def test_koa_router_prefixes_and_hono_base_paths():
    koa = """const Router = require('@koa/router');
const router = new Router({ prefix: '/api' });
const users = new Router();
users.get('/:id', getUser);
router.use('/users', users.routes(), users.allowedMethods());
"""
    hono = """import { Hono } from 'hono'
import { zValidator } from '@hono/zod-validator'
import { z } from 'zod'
const Post = z.object({ title: z.string(), draft: z.boolean().default(false) })
const app = new Hono().basePath('/api')
const posts = new Hono()
posts.post('/', zValidator('json', Post), (c) => c.json({}, 201))
app.route('/posts', posts)
"""
    assert [(e.method, e.path, e.handler, e.framework)
            for e in extract_surface("src/routes.js", koa).endpoints] == [
        ("GET", "/api/users/{id}", "getUser", "koa")]
    surface = extract_surface("src/index.ts", hono)
    assert [(e.method, e.path, e.request_model, e.framework) for e in surface.endpoints] == [
        ("POST", "/api/posts", "Post", "hono")]
    assert [(f.name, f.required) for f in surface.models[0].fields] == [
        ("title", True), ("draft", False)]


def test_gorilla_mux_methods_and_subrouters():
    go = """package main
import (
	"net/http"
	"github.com/gorilla/mux"
)
func main() {
	r := mux.NewRouter()
	api := r.PathPrefix("/api").Subrouter()
	api.HandleFunc("/books/{title}", getBook).Methods("GET", http.MethodHead)
	r.HandleFunc("/", home)
}
"""
    assert [(e.method, e.path, e.handler) for e in extract_surface("main.go", go).endpoints] == [
        ("GET", "/api/books/{title}", "getBook"),
        ("HEAD", "/api/books/{title}", "getBook"),
        ("ANY", "/", "home"),
    ]


def test_pydantic_alias_generators_and_inherited_config():
    py = """from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class UserOut(Schema):
    first_name: str
    last_login_at: int | None = None
    user_id: int = Field(alias="uid")
"""
    (_, user) = extract_surface("app/schemas.py", py).models
    assert [(f.name, f.type, f.required) for f in user.fields] == [
        ("firstName", "str", True), ("lastLoginAt", "int | None", False), ("uid", "int", True)]


def test_openapi_json_that_yaml_refuses_is_still_read():
    text = '{\n\t"openapi": "3.1.0",\n\t"paths": {\n\t\t"/a\\/b": {\n\t\t\t"get": {}\n\t\t}\n\t}\n}'
    surface = extract_surface("api.json", text)
    assert surface.is_openapi
    assert [(e.method, e.path, e.line) for e in surface.endpoints] == [("GET", "/a/b", 5)]


def test_flask_restx_resources_and_namespaces():
    py = """from flask import Flask
from flask_restx import Api, Namespace, Resource

app = Flask(__name__)
api = Api(app, prefix="/api")
ns = Namespace("todos")
cats = api.namespace("cats", path="/felines")


@ns.route("/<int:todo_id>")
class Todo(Resource):
    def get(self, todo_id):
        return {}

    def delete(self, todo_id):
        return "", 204


@cats.route("/")
class CatList(Resource):
    def get(self):
        return []


api.add_namespace(ns, path="/todo")
"""
    assert [(e.method, e.path, e.handler, e.line)
            for e in extract_surface("app/api.py", py).endpoints] == [
        ("DELETE", "/api/todo/{todo_id}", "Todo", 10),
        ("GET", "/api/todo/{todo_id}", "Todo", 10),
        ("GET", "/api/felines", "CatList", 19),
    ]


def test_fastapi_bodies_need_a_body_method_unless_explicit():
    py = """from fastapi import APIRouter, Body
from .enums import Kind
from .schemas import Filter, NewThing

router = APIRouter()


@router.get("/things")
def list_things(kind: Kind, flt: Filter):
    return []


@router.delete("/things")
def purge(flt: Filter = Body(...)):
    return None


@router.post("/things")
def create(thing: NewThing, kind: Kind | None = None):
    return thing
"""
    assert [(e.method, e.request_model) for e in extract_surface("app/r.py", py).endpoints] == [
        ("GET", None), ("DELETE", "Filter"), ("POST", "NewThing")]


def test_typescript_declarations_may_extend_types_declared_later():
    ts = """export interface Page extends Meta { items: string[] }
export type Tagged = Meta & { tag: string };
export enum Level { Low = 1, High }
interface Meta { total: number; cursor?: string }
"""
    models = {m.name: m for m in extract_surface("src/types.ts", ts).models}
    assert [(f.name, f.required) for f in models["Page"].fields] == [
        ("total", True), ("cursor", False), ("items", True)]
    assert [f.name for f in models["Tagged"].fields] == ["total", "cursor", "tag"]
    assert models["Level"].enum_values == ("Low", "High")


def test_component_files_carry_no_ui_types():
    tsx = """import { z } from "zod";
export interface ButtonProps { label: string }
export type Variant = "primary" | "ghost";
export const Signup = z.object({ email: z.string().email() });
export function Button(props: ButtonProps) { return <button>{props.label}</button>; }
"""
    assert [m.name for m in extract_surface("src/components/Button.tsx", tsx).models] == [
        "Signup"]
