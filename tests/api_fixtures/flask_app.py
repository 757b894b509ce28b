"""A Flask application with a blueprint, class-based views and flask-style converters."""

from dataclasses import dataclass, field

from flask import Blueprint, Flask, jsonify, request
from flask.views import MethodView

app = Flask(__name__)
users = Blueprint("users", __name__, url_prefix="/users")


@dataclass
class UserPayload:
    email: str
    name: str = ""
    roles: list[str] = field(default_factory=list)


@app.route("/")
def index():
    return "ok"


@app.route("/login", methods=["GET", "POST"])
def login():
    return jsonify(request.form)


@users.get("/<int:user_id>")
def show_user(user_id):
    return jsonify({"id": user_id})


@users.route("/<int:user_id>/avatar/<path:filename>", methods=("PUT",))
def upload_avatar(user_id, filename):
    return "", 204


@users.delete("/<int:user_id>/")
def delete_user(user_id):
    return "", 204


class TokenAPI(MethodView):
    def get(self):
        return jsonify([])

    def post(self):
        return jsonify({}), 201


app.add_url_rule("/tokens", view_func=TokenAPI.as_view("tokens"))
app.register_blueprint(users, url_prefix="/api/users")
