#!/usr/bin/env python3
"""Drive standin end to end with authentik's official Python client.

Needs `authentik-client==2026.8.5` (pydantic models that validate every response).

    authentik_client_e2e.py BASE_URL [--token KEY] [--password PASSWORD] [--username NAME]

The token and password may also come from STANDIN_E2E_TOKEN and
STANDIN_E2E_PASSWORD. The token belongs to a superuser; the password is that
superuser's, used for the session-cookie part (login, impersonation, logout).

Every object the script makes is named after a random prefix, so it can run again
against the same server. Each check prints PASS or FAIL with what differed and the
last request it made; the exit status is 1 when any check failed.
"""

import argparse
import datetime
import json
import os
import secrets
import sys
import time
import traceback
import urllib.error
import urllib.request

import authentik_client as ak
import pydantic
from authentik_client.exceptions import ApiException

UTC = datetime.timezone.utc
# What section 7 of standin's contract says it records; the log must hold each one.
EVENT_ACTIONS = [
    "login",
    "login_failed",
    "logout",
    "impersonation_started",
    "impersonation_ended",
    "password_set",
    "secret_rotate",
    "model_created",
    "model_updated",
    "model_deleted",
]


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def check_equal(got, want, what):
    if got != want:
        raise CheckFailed(f"{what}: expected {want!r}, got {got!r}")


# ---------------------------------------------------------------------------
# Clients


class RecordingApiClient(ak.ApiClient):
    """An ApiClient that remembers its last request and answer, for failure reports."""

    last = None

    def call_api(self, method, url, header_params=None, body=None, post_params=None,
                 _request_timeout=None):
        response = super().call_api(method, url, header_params, body, post_params,
                                    _request_timeout)
        data = response.read() or b""
        RecordingApiClient.last = (method, url, body, response.status, data)
        return response


class BrowserApiClient(RecordingApiClient):
    """An ApiClient signed in with standin's session cookie.

    Like a browser, it takes every cookie from every response's `Set-Cookie`
    headers (all of them: the client's own ApiResponse keeps only one header of a
    name), sends them back, and echoes `standin_csrf` in `X-Standin-CSRF`.
    """

    def __init__(self, configuration, cookies):
        super().__init__(configuration)
        self.jar = {}
        self.take_cookies(cookies)

    def call_api(self, method, url, header_params=None, body=None, post_params=None,
                 _request_timeout=None):
        response = super().call_api(method, url, header_params, body, post_params,
                                    _request_timeout)
        self.take_cookies(response.headers.getlist("Set-Cookie"))
        return response

    def take_cookies(self, set_cookie_headers):
        for header in set_cookie_headers:
            name, value, cleared = parse_set_cookie(header)
            if cleared:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        self.cookie = "; ".join(f"{k}={v}" for k, v in self.jar.items()) or None
        if "standin_csrf" in self.jar:
            self.default_headers["X-Standin-CSRF"] = self.jar["standin_csrf"]
        else:
            self.default_headers.pop("X-Standin-CSRF", None)


def parse_set_cookie(header):
    """(name, value, cleared) of one Set-Cookie header value."""
    pair, _, attributes = header.partition(";")
    name, _, value = pair.strip().partition("=")
    cleared = value == ""
    for attribute in attributes.split(";"):
        key, _, val = attribute.strip().partition("=")
        if key.lower() == "max-age" and val.strip().lstrip("-").isdigit() and int(val) <= 0:
            cleared = True
    return name, value, cleared


def token_client(base, key):
    configuration = ak.Configuration(host=base + "/api/v3", access_token=key)
    return RecordingApiClient(configuration)


class Apis:
    def __init__(self, api_client):
        self.client = api_client
        self.core = ak.CoreApi(api_client)
        self.rbac = ak.RbacApi(api_client)
        self.events = ak.EventsApi(api_client)


def http(base, method, path, body=None, token=None, cookies=None, csrf=None):
    """A plain request outside the client: (status, headers, parsed body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if csrf:
        request.add_header("X-Standin-CSRF", csrf)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    RecordingApiClient.last = (method, base + path, body, status, raw)
    return status, headers, (json.loads(raw) if raw else None)


def login(base, username, password):
    """POST /api/v3/auth/login/: (status, cookies set, body)."""
    status, headers, body = http(base, "POST", "/api/v3/auth/login/",
                                 {"username": username, "password": password})
    cookies = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, value, cleared = parse_set_cookie(header)
        if not cleared:
            cookies[name] = value
    return status, cookies, body


def api_status(call):
    """Runs `call`, which must fail; returns the ApiException's status and body."""
    try:
        call()
    except ApiException as error:
        return error.status, error.body
    raise CheckFailed("expected an error answer, got success")


# ---------------------------------------------------------------------------
# The run


class Run:
    def __init__(self, base, token, username, password):
        self.base = base.rstrip("/")
        self.token = token
        self.admin_username = username
        self.password = password
        self.api = Apis(token_client(self.base, token))
        self.p = "e2e" + secrets.token_hex(4)
        self.results = []
        self.users = {}  # short name -> User
        self.groups = {}  # short name -> Group
        self.roles = {}  # short name -> Role

    def name(self, short):
        return f"{self.p}-{short}"

    def step(self, title, fn):
        RecordingApiClient.last = None
        try:
            fn()
        except CheckFailed as error:
            self.fail(title, str(error))
        except pydantic.ValidationError as error:
            self.fail(title, f"the client's model refused standin's answer:\n{error}")
        except ApiException as error:
            self.fail(title, f"standin answered {error.status}: {error.body}")
        except Exception:  # noqa: BLE001 - report everything, keep going
            self.fail(title, traceback.format_exc(limit=4))
        else:
            self.results.append((title, None))
            print(f"PASS {title}", flush=True)

    def fail(self, title, message):
        last = RecordingApiClient.last
        if last:
            method, url, body, status, raw = last
            raw = raw.decode(errors="replace")
            if len(raw) > 1500:
                raw = raw[:1500] + "…"
            message += f"\n  last request: {method} {url}"
            if body is not None:
                message += f" {json.dumps(body) if not isinstance(body, str) else body}"
            message += f"\n  answer: {status} {raw}"
        self.results.append((title, message))
        print(f"FAIL {title}\n  {message}", flush=True)

    # -- seeding ------------------------------------------------------------

    def seed(self):
        core, rbac = self.api.core, self.api.rbac
        for short in ["role-a", "role-b"]:
            role = rbac.rbac_roles_create(ak.RoleRequest(name=self.name(short)))
            check_equal(role.name, self.name(short), "created role's name")
            self.roles[short] = role
        for short, superuser in [("group-a", False), ("group-b", False),
                                 ("supers", True), ("parent", False)]:
            group = core.core_groups_create(
                ak.GroupRequest(name=self.name(short), is_superuser=superuser))
            self.groups[short] = group
        self.groups["parent"] = core.core_groups_partial_update(
            self.groups["parent"].pk, ak.PatchedGroupRequest(roles=[self.roles["role-b"].pk]))
        check_equal([x.name for x in self.groups["parent"].roles_obj], [self.name("role-b")],
                    "parent group's roles_obj names")
        child = core.core_groups_create(ak.GroupRequest(
            name=self.name("child"), parents=[self.groups["parent"].pk]))
        check_equal([g.name for g in child.parents_obj or []], [self.name("parent")],
                    "child group's parents_obj names")
        self.groups["child"] = child

        g, r, p = self.groups, self.roles, self.p
        specs = [
            ("alice", dict(name=f"Delta {p}", email=f"alice@{p}.example", path=f"{p}/staff",
                           type=ak.UserTypeEnum.INTERNAL, groups=[g["group-a"].pk],
                           roles=[r["role-a"].pk], attributes={"team": "blue", "level": 1},
                           last_login=datetime.datetime(2026, 1, 10, tzinfo=UTC))),
            ("bob", dict(name=f"Charlie {p}", email=f"bob@{p}.example", path=f"{p}/staff/ops",
                         type=ak.UserTypeEnum.EXTERNAL, groups=[g["group-b"].pk],
                         roles=[r["role-b"].pk], attributes={"team": "red", "level": 2},
                         is_active=False)),
            ("carol", dict(name=f"Bravo {p}", email=f"carol@{p}.example", path=f"{p}/other",
                           type=ak.UserTypeEnum.SERVICE_ACCOUNT, groups=[g["supers"].pk],
                           attributes={"team": "red", "level": 1},
                           last_login=datetime.datetime(2025, 6, 1, tzinfo=UTC))),
            ("dave", dict(name=f"Alpha {p}", email=f"dave@{p}.example",
                          type=ak.UserTypeEnum.INTERNAL, groups=[g["child"].pk])),
        ]
        for short, fields in specs:
            user = core.core_users_create(ak.UserRequest(username=self.name(short), **fields))
            check_equal(user.username, self.name(short), "created user's username")
            self.users[short] = user
            time.sleep(0.02)  # distinct date_joined and last_updated
        # dave changes last: the only one updated after the others.
        self.users["dave"] = core.core_users_partial_update(
            self.users["dave"].pk, ak.PatchedUserRequest(name=f"Alpha {p}"))

    # -- users ----------------------------------------------------------------

    def seeded(self, **filters):
        """Short names of the seeded users a filtered list returns, in its order."""
        by_username = {u.username: short for short, u in self.users.items()}
        found, page = [], 1
        while True:
            result = self.api.core.core_users_list(page=page, page_size=100, **filters)
            found += [by_username[u.username] for u in result.results
                      if u.username in by_username]
            if not result.pagination.next:
                return found
            page = int(result.pagination.next)

    def expect_users(self, want, **filters):
        got = self.seeded(**filters)
        if sorted(got) != sorted(want):
            raise CheckFailed(f"users list {filters}: expected {sorted(want)}, got {sorted(got)}")

    def user_filters(self):
        u, g, r = self.users, self.groups, self.roles
        dt = datetime.datetime
        # -- each filter narrows the seeded set (a filter standin ignored returns all)
        self.step("users: username", lambda: self.expect_users(
            ["alice"], username=self.name("alice")))
        self.step("users: email", lambda: self.expect_users(
            ["bob"], email=u["bob"].email))
        self.step("users: name", lambda: self.expect_users(
            ["carol"], name=u["carol"].name))
        self.step("users: is_active", lambda: self.expect_users(["bob"], is_active=False))
        self.step("users: is_superuser", lambda: self.expect_users(
            ["carol"], is_superuser=True))
        self.step("users: path", lambda: self.expect_users(["alice"], path=f"{self.p}/staff"))
        self.step("users: path_startswith", lambda: self.expect_users(
            ["alice", "bob"], path_startswith=f"{self.p}/staff"))
        self.step("users: type", lambda: self.expect_users(
            ["bob", "carol"], type=[ak.UserTypeEnum.EXTERNAL, ak.UserTypeEnum.SERVICE_ACCOUNT]))
        self.step("users: uuid", lambda: self.expect_users(["alice"], uuid=u["alice"].uuid))
        self.step("users: groups_by_name", lambda: self.expect_users(
            ["alice"], groups_by_name=[g["group-a"].name]))
        self.step("users: groups_by_pk", lambda: self.expect_users(
            ["alice", "bob"], groups_by_pk=[g["group-a"].pk, g["group-b"].pk]))
        self.step("users: attributes", lambda: self.expect_users(
            ["carol"], attributes=json.dumps({"team": "red", "level": 1})))
        self.step("users: last_login__isnull", lambda: (
            self.expect_users(["bob", "dave"], last_login__isnull=True),
            self.expect_users(["alice", "carol"], last_login__isnull=False)))
        self.step("users: last_login__gt/__lt", lambda: (
            self.expect_users(["alice"], last_login__gt=dt(2025, 12, 1, tzinfo=UTC)),
            self.expect_users(["carol"], last_login__lt=dt(2025, 12, 1, tzinfo=UTC))))

        def date_joined():
            first, second = u["bob"].date_joined, u["carol"].date_joined
            check(first < second, f"date_joined of bob ({first}) is not before carol's ({second})")
            middle = first + (second - first) / 2
            self.expect_users(["carol", "dave"], date_joined__gt=middle)
            self.expect_users(["alice", "bob"], date_joined__lt=middle)
        self.step("users: date_joined__gt/__lt", date_joined)

        def last_updated():
            latest_other = max(u[s].last_updated for s in ["alice", "bob", "carol"])
            dave = u["dave"].last_updated
            check(latest_other < dave,
                  f"dave's last_updated ({dave}) is not after the others' ({latest_other})")
            middle = latest_other + (dave - latest_other) / 2
            self.expect_users(["dave"], last_updated__gt=middle)
            self.expect_users(["alice", "bob", "carol"], last_updated__lt=middle)
            self.expect_users(["dave"], last_updated=dave)
        self.step("users: last_updated, last_updated__gt/__lt", last_updated)

        self.step("users: roles_by_name", lambda: self.expect_users(
            ["alice"], roles_by_name=[r["role-a"].name]))
        self.step("users: roles_by_pk", lambda: self.expect_users(
            ["alice", "bob"], roles_by_pk=[r["role-a"].pk, r["role-b"].pk]))
        self.step("users: search", lambda: (
            self.expect_users(["alice", "bob", "carol", "dave"], search=self.p),
            self.expect_users(["carol"], search=self.name("CAROL")),
            self.expect_users(["bob"], search=f"bob@{self.p}"),
            self.expect_users(["dave"], search=f"Alpha {self.p}"),
            self.expect_users(["alice"], search=str(u["alice"].uuid))))

        def ordering():
            for order, want in [
                ("username", ["alice", "bob", "carol", "dave"]),
                ("-username", ["dave", "carol", "bob", "alice"]),
                ("name", ["dave", "carol", "bob", "alice"]),
                ("-date_joined", ["dave", "carol", "bob", "alice"]),
                ("pk", ["alice", "bob", "carol", "dave"]),
                ("-last_updated", ["dave", "carol", "bob", "alice"]),
            ]:
                check_equal(self.seeded(search=self.p, ordering=order), want,
                            f"users ordered by {order}")
        self.step("users: ordering", ordering)

        def paging():
            core = self.api.core
            first = core.core_users_list(search=self.p, page_size=3, page=1)
            check_equal([x.username for x in first.results],
                        [self.name(s) for s in ["alice", "bob", "carol"]], "page 1")
            pg = first.pagination
            check_equal((pg.count, pg.total_pages, pg.current, pg.next, pg.previous,
                         pg.start_index, pg.end_index), (4, 2, 1, 2, 0, 1, 3),
                        "page 1 pagination (count, total_pages, current, next, previous, "
                        "start_index, end_index)")
            second = core.core_users_list(search=self.p, page_size=3, page=2)
            check_equal([x.username for x in second.results], [self.name("dave")], "page 2")
            pg = second.pagination
            check_equal((pg.next, pg.previous, pg.start_index, pg.end_index), (0, 1, 4, 4),
                        "page 2 pagination (next, previous, start_index, end_index)")
            status, _ = api_status(lambda: core.core_users_list(
                search=self.p, page_size=3, page=3))
            check_equal(status, 404, "status of a page past the end")
        self.step("users: paging", paging)

        def includes():
            plain = self.api.core.core_users_list(username=self.name("alice"))
            check_equal([x.name for x in plain.results[0].groups_obj or []],
                        [g["group-a"].name], "alice's groups_obj names")
            check_equal([x.name for x in plain.results[0].roles_obj or []],
                        [r["role-a"].name], "alice's roles_obj names")
            bare = self.api.core.core_users_list(username=self.name("alice"),
                                                 include_groups=False, include_roles=False)
            check_equal(bare.results[0].groups_obj, None, "groups_obj with include_groups=false")
            check_equal(bare.results[0].roles_obj, None, "roles_obj with include_roles=false")
        self.step("users: include_groups, include_roles", includes)

    def user_crud(self):
        core, u, g, r = self.api.core, self.users, self.groups, self.roles

        def retrieve():
            alice = core.core_users_retrieve(u["alice"].pk)
            check_equal((alice.username, alice.email, alice.path, alice.type, alice.attributes),
                        (self.name("alice"), f"alice@{self.p}.example", f"{self.p}/staff",
                         ak.UserTypeEnum.INTERNAL, {"team": "blue", "level": 1}),
                        "alice's username, email, path, type, attributes")
            check_equal(alice.groups, [g["group-a"].pk], "alice's groups")
            check_equal(alice.roles, [r["role-a"].pk], "alice's roles")
            check_equal(alice.last_login, datetime.datetime(2026, 1, 10, tzinfo=UTC),
                        "alice's last_login")
            check(not alice.is_superuser, "alice is a superuser")
            check(core.core_users_retrieve(u["carol"].pk).is_superuser,
                  "carol, in a superuser group, is not a superuser")
        self.step("users: retrieve", retrieve)

        def update():
            erin = core.core_users_create(ak.UserRequest(
                username=self.name("erin"), name="Erin", groups=[g["group-a"].pk],
                attributes={"a": 1}, last_login=datetime.datetime(2026, 2, 1, tzinfo=UTC)))
            self.users["erin"] = erin
            put = core.core_users_update(erin.pk, ak.UserRequest(
                username=self.name("erin2"), name="Erin Two", email=f"erin@{self.p}.example",
                path=f"{self.p}/updated", attributes={"b": 2}))
            check_equal((put.username, put.name, put.email, put.path, put.attributes),
                        (self.name("erin2"), "Erin Two", f"erin@{self.p}.example",
                         f"{self.p}/updated", {"b": 2}),
                        "PUT user's username, name, email, path, attributes")
            check_equal(put.groups, [], "groups after a PUT without groups")
            self.users["erin"] = put
        self.step("users: update (PUT)", update)

        def partial_update():
            erin = self.users["erin"]
            patched = core.core_users_partial_update(
                erin.pk, ak.PatchedUserRequest(email=f"erin3@{self.p}.example",
                                               roles=[r["role-b"].pk], last_login=None))
            check_equal((patched.email, patched.name, patched.path, patched.roles,
                         patched.last_login),
                        (f"erin3@{self.p}.example", "Erin Two", f"{self.p}/updated",
                         [r["role-b"].pk], None),
                        "PATCH user's email, name (unchanged), path (unchanged), roles, "
                        "last_login (cleared)")
            self.users["erin"] = patched
        self.step("users: partial update (PATCH)", partial_update)

        def set_password():
            new_password = "e2e-" + secrets.token_hex(12)
            result = core.core_users_set_password_create(
                u["dave"].pk, ak.UserPasswordSetRequest(password=new_password))
            check_equal(result, None, "set_password's body")
            status, _, _ = login(self.base, self.name("dave"), new_password)
            check_equal(status, 200, "login status with the password just set")
            self.dave_password = new_password
        self.step("users: set_password (then log in with it)", set_password)

        def paths():
            result = core.core_users_paths_retrieve(search=self.p)
            want = sorted({f"{self.p}/staff", f"{self.p}/staff/ops", f"{self.p}/other",
                           f"{self.p}/updated"})
            check_equal(result.paths, want, "paths containing the run's prefix")
        self.step("users: paths", paths)

        def delete():
            erin = self.users.pop("erin")
            check_equal(core.core_users_destroy(erin.pk), None, "DELETE user's body")
            status, _ = api_status(lambda: core.core_users_retrieve(erin.pk))
            check_equal(status, 404, "status of retrieving the deleted user")
        self.step("users: delete", delete)

        def service_account():
            result = core.core_users_service_account_create(ak.UserServiceAccountRequest(
                name=self.name("svc"), create_group=True, expiring=False))
            check_equal(result.username, self.name("svc"), "service account's username")
            check(result.token, "service account answer has no token")
            check(result.group_pk, "service account with create_group has no group_pk")
            user = core.core_users_retrieve(result.user_pk)
            check_equal(user.type, ak.UserTypeEnum.SERVICE_ACCOUNT, "service account's type")
            group = core.core_groups_retrieve(result.group_pk)
            self.groups["svc"] = group
            check_equal((group.name, group.users), (self.name("svc"), [result.user_pk]),
                        "service account's group (name, users)")
            check_equal(user.uid, result.user_uid, "service account's uid")
            me = Apis(token_client(self.base, result.token)).core.core_users_me_retrieve()
            check_equal(me.user.username, self.name("svc"), "me with the service account's token")
        self.step("users: service_account (and use its token)", service_account)

        def used_by():
            check_equal(core.core_users_used_by_list(u["alice"].pk), [], "user used_by")
            check_equal(core.core_groups_used_by_list(g["group-a"].pk), [], "group used_by")
            check_equal(self.api.rbac.rbac_roles_used_by_list(r["role-a"].pk), [],
                        "role used_by")
        self.step("users, groups, roles: used_by", used_by)

    # -- groups ---------------------------------------------------------------

    def groups_checks(self):
        core, u, g = self.api.core, self.users, self.groups

        def listing():
            result = core.core_groups_list(search=self.p, page_size=100)
            check_equal(sorted(x.name for x in result.results),
                        sorted(x.name for x in g.values()), "groups found by search")
            named = core.core_groups_list(name=g["group-a"].name)
            check_equal([x.pk for x in named.results], [g["group-a"].pk], "groups by name")
        self.step("groups: list", listing)

        def retrieve():
            group = core.core_groups_retrieve(g["group-a"].pk)
            check_equal(group.users, [u["alice"].pk], "group-a's users")
            check_equal([x.username for x in group.users_obj or []], [self.name("alice")],
                        "group-a's users_obj")
            parent = core.core_groups_retrieve(g["parent"].pk)
            check_equal(parent.children, [g["child"].pk], "parent's children")
            check_equal([x.name for x in parent.children_obj or []], [self.name("child")],
                        "parent's children_obj")
            child = core.core_groups_retrieve(g["child"].pk, include_inherited_roles=True)
            check_equal(child.parents, [g["parent"].pk], "child's parents")
            check_equal([x.name for x in child.inherited_roles_obj or []],
                        [self.roles["role-b"].name], "child's inherited_roles_obj")
            bare = core.core_groups_retrieve(g["group-a"].pk, include_users=False)
            check_equal(bare.users_obj, None, "users_obj with include_users=false")
        self.step("groups: retrieve", retrieve)

        def update():
            group = core.core_groups_update(g["group-b"].pk, ak.GroupRequest(
                name=self.name("group-b2"), users=[u["bob"].pk, u["dave"].pk],
                attributes={"k": "v"}))
            check_equal((group.name, sorted(group.users or []), group.attributes),
                        (self.name("group-b2"), sorted([u["bob"].pk, u["dave"].pk]),
                         {"k": "v"}), "PUT group's name, users, attributes")
            self.groups["group-b"] = group
        self.step("groups: update (PUT)", update)

        def members():
            group, dave = g["group-a"].pk, u["dave"].pk
            check_equal(core.core_groups_add_user_create(group, ak.UserAccountRequest(pk=dave)),
                        None, "add_user's body")
            check(dave in core.core_groups_retrieve(group).users,
                  "dave is not a member after add_user")
            check(group in core.core_users_retrieve(dave).groups,
                  "dave's groups lack group-a after add_user")
            check_equal(core.core_groups_remove_user_create(group,
                                                            ak.UserAccountRequest(pk=dave)),
                        None, "remove_user's body")
            check(dave not in core.core_groups_retrieve(group).users,
                  "dave is still a member after remove_user")
        self.step("groups: add_user, remove_user", members)

        def delete():
            group = core.core_groups_create(ak.GroupRequest(name=self.name("doomed")))
            check_equal(core.core_groups_destroy(group.pk), None, "DELETE group's body")
            status, _ = api_status(lambda: core.core_groups_retrieve(group.pk))
            check_equal(status, 404, "status of retrieving the deleted group")
        self.step("groups: delete", delete)

    # -- roles ----------------------------------------------------------------

    def roles_checks(self):
        rbac, core, u, r = self.api.rbac, self.api.core, self.users, self.roles

        def listing():
            found = rbac.rbac_roles_list(search=self.p, page_size=100)
            check_equal(sorted(x.name for x in found.results),
                        sorted(x.name for x in r.values()), "roles found by search")
            named = rbac.rbac_roles_list(name=r["role-a"].name)
            check_equal([x.pk for x in named.results], [r["role-a"].pk], "roles by name")
            check_equal(rbac.rbac_roles_retrieve(r["role-a"].pk).name, r["role-a"].name,
                        "retrieved role's name")
        self.step("roles: list, retrieve", listing)

        def update_keeps_permissions():
            path = f"/api/v3/rbac/roles/{r['role-a'].pk}/"
            status, _, _ = http(self.base, "PATCH", path,
                                {"permissions": ["core.view_user"]}, token=self.token)
            check_equal(status, 200, "status of giving role-a a permission")
            role = rbac.rbac_roles_update(r["role-a"].pk,
                                          ak.RoleRequest(name=self.name("role-a2")))
            check_equal(role.name, self.name("role-a2"), "PUT role's name")
            status, _, body = http(self.base, "GET", path, token=self.token)
            check_equal(body.get("permissions"), ["core.view_user"],
                        "permissions after a PUT with only a name")
            r["role-a"] = role
            patched = rbac.rbac_roles_partial_update(
                r["role-b"].pk, ak.PatchedRoleRequest(name=self.name("role-b2")))
            check_equal(patched.name, self.name("role-b2"), "PATCH role's name")
            r["role-b"] = patched
        self.step("roles: update (PUT with only a name keeps permissions), PATCH",
                  update_keeps_permissions)

        def members():
            role, dave = r["role-b"].pk, u["dave"].pk
            body = ak.UserAccountSerializerForRoleRequest(pk=dave)
            check_equal(rbac.rbac_roles_add_user_create(role, body), None, "add_user's body")
            check(role in core.core_users_retrieve(dave).roles,
                  "dave's roles lack role-b after add_user")
            check_equal(rbac.rbac_roles_remove_user_create(role, body), None,
                        "remove_user's body")
            check(role not in core.core_users_retrieve(dave).roles,
                  "dave's roles still hold role-b after remove_user")
        self.step("roles: add_user, remove_user", members)

        def delete():
            role = rbac.rbac_roles_create(ak.RoleRequest(name=self.name("doomed")))
            check_equal(rbac.rbac_roles_destroy(role.pk), None, "DELETE role's body")
            status, _ = api_status(lambda: rbac.rbac_roles_retrieve(role.pk))
            check_equal(status, 404, "status of retrieving the deleted role")
        self.step("roles: delete", delete)

    # -- tokens ---------------------------------------------------------------

    def tokens_checks(self):
        core = self.api.core
        identifier = self.name("tok")
        known_key = "e2e-key-" + secrets.token_hex(24)

        def create():
            token = core.core_tokens_create(ak.TokenRequest(
                identifier=identifier, intent=ak.IntentEnum.API,
                description=f"made by {self.p}", expiring=False))
            check_equal((token.identifier, token.intent, token.description, token.expiring),
                        (identifier, ak.IntentEnum.API, f"made by {self.p}", False),
                        "created token's identifier, intent, description, expiring")
            check_equal(token.user_obj.username, self.admin_username, "token's user_obj")
            expires = datetime.datetime.now(UTC).replace(microsecond=0) + datetime.timedelta(
                days=30)
            other = core.core_tokens_create(ak.TokenRequest(
                identifier=self.name("tok2"), intent=ak.IntentEnum.API, expiring=True,
                expires=expires))
            check_equal((other.expiring, other.expires), (True, expires),
                        "created expiring token's expiring, expires")
        self.step("tokens: create", create)

        def view_key():
            status, body = api_status(lambda: core.core_tokens_view_key_retrieve(identifier))
            check_equal(status, 403, "view_key status (keys are stored hashed)")
        self.step("tokens: view_key is refused", view_key)

        def set_key_and_use():
            result = core.core_tokens_set_key_create(
                identifier, ak.TokenSetKeyRequest(key=known_key))
            check_equal(result, None, "set_key's body")
            second = Apis(token_client(self.base, known_key))
            me = second.core.core_users_me_retrieve()
            check_equal(me.user.username, self.admin_username, "me with the key just set")
            listed = second.core.core_users_list(username=self.name("alice"))
            check_equal([x.username for x in listed.results], [self.name("alice")],
                        "users list with the key just set")
        self.step("tokens: set_key, then use the key as a bearer", set_key_and_use)

        def filters():
            def found(**kw):
                result = core.core_tokens_list(page_size=100, **kw)
                return sorted(t.identifier for t in result.results
                              if t.identifier.startswith(self.p))
            both = sorted([identifier, self.name("tok2")])
            check_equal(found(identifier=identifier), [identifier], "tokens by identifier")
            check_equal(found(user__username=self.admin_username), both,
                        "tokens by user__username")
            check_equal(found(user__username=self.name("alice")), [],
                        "tokens by another user__username")
            check_equal(found(intent=ak.IntentEnum.API), both, "tokens by intent")
            check_equal(found(expiring=True), [self.name("tok2")], "tokens by expiring=true")
            check_equal(found(expiring=False), [identifier], "tokens by expiring=false")
            check_equal(found(description=f"made by {self.p}"), [identifier],
                        "tokens by description")
            check_equal(found(search=f"made by {self.p}"), [identifier],
                        "tokens by search (description)")
            check_equal(found(search=self.name("tok2")), [self.name("tok2")],
                        "tokens by search (identifier)")
            check_equal(found(managed=self.name("nothing-managed")), [], "tokens by managed")
        self.step("tokens: list filters", filters)

        def update():
            put = core.core_tokens_update(identifier, ak.TokenRequest(
                identifier=identifier, intent=ak.IntentEnum.API,
                description=f"changed by {self.p}", expiring=False))
            check_equal(put.description, f"changed by {self.p}", "PUT token's description")
            patched = core.core_tokens_partial_update(identifier, ak.PatchedTokenRequest(
                description=f"patched by {self.p}"))
            check_equal(patched.description, f"patched by {self.p}",
                        "PATCH token's description")
            check_equal(core.core_tokens_retrieve(identifier).description,
                        f"patched by {self.p}", "retrieved token's description")
        self.step("tokens: update (PUT), partial update (PATCH), retrieve", update)

        def delete():
            check_equal(core.core_tokens_destroy(self.name("tok2")), None, "DELETE token's body")
            status, _ = api_status(lambda: core.core_tokens_retrieve(self.name("tok2")))
            check_equal(status, 404, "status of retrieving the deleted token")
        self.step("tokens: delete", delete)

    # -- session cookie and impersonation ------------------------------------

    def session_checks(self):
        admin = self.admin_username

        def failed_login():
            status, cookies, body = login(self.base, self.name("dave"), "not-the-password")
            check_equal(status, 403, "status of a login with a wrong password")
            check_equal(cookies, {}, "cookies set by a failed login")
        self.step("session: a wrong password is refused", failed_login)

        def impersonation():
            status, cookies, body = login(self.base, admin, self.password)
            check_equal(status, 200, "login status")
            check_equal(ak.SessionUser.from_dict(body).user.username, admin,
                        "login body's SessionUser user")
            check("standin_session" in cookies and "standin_csrf" in cookies,
                  f"login set cookies {sorted(cookies)}, not standin_session and standin_csrf")
            client = BrowserApiClient(ak.Configuration(host=self.base + "/api/v3"),
                                      [f"{k}={v}" for k, v in cookies.items()])
            core = ak.CoreApi(client)

            me = core.core_users_me_retrieve()
            check_equal((me.user.username, me.original), (admin, None),
                        "me before impersonating (user, original)")
            check_equal([x.username for x in me.users], [admin], "me.users")

            before = client.jar.get("standin_session")
            dave = self.users["dave"]
            check_equal(core.core_users_impersonate_create(
                dave.pk, ak.ImpersonationRequest(reason=f"e2e check {self.p}")), None,
                "impersonate's body")
            check(client.jar.get("standin_session") != before,
                  "impersonate did not re-issue the session cookie")

            me = core.core_users_me_retrieve()
            check_equal(me.user.username, dave.username, "me.user while impersonating")
            check(me.original is not None, "me.original is missing while impersonating")
            check_equal(me.original.username, admin, "me.original while impersonating")
            check_equal(me.user.is_current, True, "me.user.is_current")

            before = client.jar.get("standin_session")
            check_equal(core.core_users_impersonate_end_retrieve(), None,
                        "impersonate_end's body")
            check(client.jar.get("standin_session") != before,
                  "impersonate_end did not re-issue the session cookie")
            me = core.core_users_me_retrieve()
            check_equal((me.user.username, me.original), (admin, None),
                        "me after impersonate_end (user, original)")

            status, headers, _ = http(self.base, "POST", "/api/v3/auth/logout/", {},
                                      cookies=client.jar, csrf=client.jar.get("standin_csrf"))
            check_equal(status, 204, "logout status")
            client.take_cookies(headers.get_all("Set-Cookie") or [])
            status, _ = api_status(core.core_users_me_retrieve)
            check_equal(status, 403, "me after logout")
        self.step("session: login, impersonate, me (with original), impersonate_end, logout",
                  impersonation)

    # -- events -----------------------------------------------------------------

    def events_checks(self):
        events = self.api.events
        every = []

        def listing():
            page = 1
            while True:
                result = events.events_events_list(page=page, page_size=100)
                every.extend(result.results)
                if not result.pagination.next:
                    break
                page = int(result.pagination.next)
            seen = {e.action.value for e in every}
            missing = [a for a in EVENT_ACTIONS if a not in seen]
            check(not missing, f"the event log lacks {missing} (holds {sorted(seen)})")
        self.step("events: list every page (each Event validates)", listing)

        def retrieve():
            check(every, "no events listed")
            for action in EVENT_ACTIONS:
                event = next((e for e in every if e.action.value == action), None)
                if event is not None:
                    got = events.events_events_retrieve(event.pk)
                    check_equal((got.pk, got.action), (event.pk, event.action),
                                f"retrieved {action} event")
        self.step("events: retrieve one of each action", retrieve)

        def model_events():
            recorded = {(e.action.value, (e.context or {}).get("model", {}).get("model_name"))
                        for e in every}
            missing = [f"{action} of a {model}"
                       for model in ["user", "group", "role", "token"]
                       for action in ["model_created", "model_updated", "model_deleted"]
                       if (action, model) not in recorded]
            check(not missing, f"the event log lacks {missing}")
        self.step("events: created, updated and deleted users, groups, roles and tokens",
                  model_events)

        def narrows(what, each, **filters):
            """The filtered list is not empty, not everything, and every item matches."""
            result = events.events_events_list(page_size=100, **filters)
            check(result.results, f"events {what}: none found")
            check(result.pagination.count < len(every),
                  f"events {what}: all {len(every)} events came back")
            bad = [str(e.pk) for e in result.results if not each(e)]
            check(not bad, f"events {what}: {len(bad)} don't match, e.g. {bad[:3]}")

        self.step("events: action", lambda: narrows(
            "action=password_set", lambda e: e.action.value == "password_set",
            action="password_set"))
        self.step("events: actions", lambda: narrows(
            "actions=login&actions=logout", lambda e: e.action.value in ("login", "logout"),
            actions=[ak.EventActions.LOGIN, ak.EventActions.LOGOUT]))
        dave = self.name("dave")
        self.step("events: username", lambda: narrows(
            f"username={dave}", lambda e: (e.user or {}).get("username") == dave,
            username=dave))

        def context_model():
            model = next(e.context["model"] for e in every
                         if e.action.value == "model_created"
                         and e.context.get("model", {}).get("name") == self.name("alice"))
            narrows("context_model_name=group",
                    lambda e: e.context["model"]["model_name"] == "group",
                    context_model_name="group")
            narrows(f"context_model_app/_name/_pk of {model}",
                    lambda e: str(e.context["model"]["pk"]) == str(model["pk"]),
                    context_model_app=model["app"], context_model_name=model["model_name"],
                    context_model_pk=str(model["pk"]))
        self.step("events: context_model_app, context_model_name, context_model_pk",
                  context_model)

        term = self.name("tok")
        self.step("events: search", lambda: narrows(
            f"search={term}", lambda e: term in json.dumps(e.to_dict(), default=str),
            search=term))

        def client_ip():
            ip = every[0].client_ip
            check(ip, "the newest event has no client_ip")
            listed = events.events_events_list(page_size=100, client_ip=ip).results
            check(listed, f"no events by client_ip={ip}")
            check(all(e.client_ip == ip for e in listed),
                  f"events by client_ip={ip} hold other addresses")
        self.step("events: client_ip", client_ip)

        def ordering():
            for order, newest_first in [("-created", True), ("created", False)]:
                listed = events.events_events_list(page_size=100, ordering=order).results
                created = [e.created for e in listed]
                check_equal(created, sorted(created, reverse=newest_first),
                            f"created times with ordering={order}")
        self.step("events: ordering", ordering)

    # ---------------------------------------------------------------------------

    def run(self):
        print(f"standin at {self.base}; this run's objects are named {self.p}-*", flush=True)
        self.step("seed roles, groups and users", self.seed)
        if self.results[-1][1] is not None:
            return False
        self.user_filters()
        self.user_crud()
        self.groups_checks()
        self.roles_checks()
        self.tokens_checks()
        self.session_checks()
        self.events_checks()
        failed = [title for title, message in self.results if message is not None]
        print(f"\n{len(self.results) - len(failed)} passed, {len(failed)} failed")
        for title in failed:
            print(f"  FAILED: {title}")
        return not failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("base_url", help="standin's base URL, e.g. http://127.0.0.1:9000")
    parser.add_argument("--token", default=os.environ.get("STANDIN_E2E_TOKEN"),
                        help="a superuser's API token (or STANDIN_E2E_TOKEN)")
    parser.add_argument("--password", default=os.environ.get("STANDIN_E2E_PASSWORD"),
                        help="that superuser's password (or STANDIN_E2E_PASSWORD)")
    parser.add_argument("--username", default="admin", help="that superuser's username")
    args = parser.parse_args()
    if not args.token or not args.password:
        parser.error("a token and a password are needed")
    ok = Run(args.base_url, args.token, args.username, args.password).run()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
