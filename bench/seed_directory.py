#!/usr/bin/env python3
"""Seeds a standin database with a realistic directory, for bench/run.sh (section
`directory`). Not a test and not part of the product.

    python3 bench/seed_directory.py DB USERS POOL_FILE

DB must already carry the schema (start standin on it once, then stop it): rows are
inserted directly with sqlite3 in one transaction, next to whatever the first start
created (the bootstrap admin and its `admins` group). The `users_search_*` trigram
indexes are rebuilt from `users` in the same transaction (their insert trigger is set
aside while the rows go in and then re-created from its stored SQL), so they are in
step with `users` as if every row had gone through the trigger. No ANALYZE is run, so the query planner
sees the database as a server that created these users itself would.

POOL_FILE receives one line per seeded user for the PUT load (bench/put_user.lua):
    pk <TAB> username as JSON <TAB> name, JSON-escaped, no quotes <TAB> group uuids as JSON <TAB> role uuids as JSON

Prints `key value` lines on stdout for the harness: users, groups, group_parents,
user_groups, roles, role_permissions, user_roles, search_term, search_matches,
seed_seconds (the generate + insert + commit time, without interpreter start-up).
Deterministic: the same USERS gives the same data.
"""

import calendar
import itertools
import json
import random
import sqlite3
import sys
import time
import unicodedata
import uuid

FIRST_NAMES = """
James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy
Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily
Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah
Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Amy
Jacob Kathleen Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma Stephen Anna
Larry Pamela Justin Nicole Scott Samantha Brandon Katherine Benjamin Christine Samuel
Helen Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack
Olivia Dennis Heather Jerry Diane Tyler Julie Aaron Joyce Jose Victoria Adam Ruth Nathan
Virginia Henry Lauren Zachary Kelly Douglas Christina Peter Joan Kyle Evelyn Noah Judith
Ethan Andrea Jeremy Hannah Walter Megan Christian Cheryl Keith Jacqueline Roger Martha
Terry Madison Austin Teresa Sean Gloria Gerald Sara Carl Janice Harold Ann Dylan Kathryn
Arthur Abigail Lawrence Sophia Jordan Frances Jesse Jean Bryan Alice Billy Judy Bruce
Isabella Gabriel Julia Joe Grace Logan Amber Alan Denise Juan Danielle Albert Marilyn
Willie Beverly Elijah Charlotte Wayne Natalie Randy Theresa Vincent Diana Mason Brittany
Roy Doris Ralph Kayla Bobby Alexis Russell Lori Bradley Marie Philip Tiffany Eugene
Sofía Mateo Lucía Santiago Valentina Matías Camila Sebastián Mariana Diego Ximena
Léa Hugo Chloé Louis Manon Jules Inès Gabin Zoé Raphaël Jürgen Lukas Mia Leon Hanna
Finn Lena Jonas Marie-Claire Élodie François Søren Ingrid Björn Astrid Magnus Freja
Aleksander Zofia Jakub Kacper Wiktoria Dmitri Anastasia Ivan Olga Yuki Haruto Sakura
Ren Aiko Wei Li Mei Jun Hao Priya Arjun Ananya Rohan Aisha Omar Fatima Yusuf Amir Leila
Chidi Ngozi Kwame Amara Tariq Zainab Mehmet Elif Emre Zeynep Kofi Abena Thabo Lerato
Nguyen Linh Minh Seo-yeon Min-jun Ji-woo Siobhán Seán Niamh Oisín Aoife Ciarán
""".split()

# Common surnames first: they get Zipf-like weights, so a few are very common.
COMMON_LAST_NAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris
Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips
Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell
Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson
Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera
Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez
McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns
Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Muñoz Hunt
Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer
Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant
Dunn Kelley Spencer Hawkins Arnold Pierce Vázquez Hansen Peters Santos Hart Bradley Knight
Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado
Berry Perkins Hoffman Johnston Matthews Peña Richards Contreras Willis Carpenter Lawrence
Sandoval Müller Schneider Fischer Weber Becker Schulz Koch Richter Wolf Schröder Neumann
Dubois Lefèvre Moreau Laurent Girard Bonnet Dupont Lambert Fontaine Rousseau Rossi Russo
Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Nowak Kowalski Wiśniewski
Wójcik Kowalczyk Kamińska Lewandowski Zieliński Szymański Ivanov Smirnov Kuznetsov Popov
Sokolov Lebedev Kozlov Novikov Morozov Petrov Volkov Sato Suzuki Takahashi Tanaka Watanabe
Ito Yamamoto Nakamura Kobayashi Kato Wang Zhang Liu Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu
Hu Guo Lin Singh Kumar Sharma Gupta Shah Mehta Iyer Reddy Nair Rao Khan Ahmed Ali Hassan
Hussein Ibrahim Mahmoud Yilmaz Kaya Demir Şahin Çelik Öztürk Okafor Okonkwo Adeyemi Mensah
Boateng Dlamini Nkosi Andersen Nielsen Jensen Larsen Johansson Karlsson Nilsson Eriksson
Larsson Olsen Hansson Virtanen Korhonen Mäkinen Murphy O'Brien O'Connor Byrne Walsh
O'Sullivan McCarthy Doyle Gallagher Ó'Súilleabháin Kennedy Lynch Quinn Park Choi Jung Kang Cho
Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song Yoo Hong Jeon Ko Moon Yang Son Bae Baek
""".split()

# Rare surnames: each is expected on a handful of users at 100 000 users; the seeder
# picks the one with the match count closest to 6 as the benchmark's search term.
RARE_LAST_NAMES = """
Wojciechowska Szczepańska Quarshie Brzezinski Vukovich Okonjo-Iweala Przybylski Zhivkova
Thorvaldsdottir Kowalewska Yevtushenko Abernathy-Quill Ravensworth Oyelaran Ekwueme
""".split()

DOMAINS = ["example.com"] * 12 + ["corp.example.org"] * 4 + ["example.net"] * 2 + ["eu.example.com"]
EXTERNAL_DOMAINS = ["partner-one.example", "acme-consulting.example", "globex.example",
                    "initech.example", "umbrella.example", "hooli.example", "gmail.example"]
DEPARTMENTS = ["engineering", "sales", "support", "finance", "hr", "legal", "marketing",
               "it", "security", "operations"]
SERVICE_WORDS = ["backup", "ci", "deploy", "monitoring", "ldap-sync", "mailer", "billing",
                 "reporting", "etl", "scanner", "webhook", "grafana", "jenkins", "vault"]

# (name, parents in order): 20 groups, a few with one or two parents.
GROUPS = [
    ("staff", []),
    ("engineering", []),
    ("engineering-backend", ["engineering"]),
    ("engineering-frontend", ["engineering"]),
    ("engineering-platform", ["engineering"]),
    ("sales", []),
    ("sales-emea", ["sales"]),
    ("sales-americas", ["sales"]),
    ("support", []),
    ("support-tier2", ["support"]),
    ("finance", []),
    ("hr", []),
    ("legal", []),
    ("marketing", []),
    ("it-ops", []),
    ("oncall", ["it-ops", "engineering-platform"]),
    ("security", []),
    ("contractors", []),
    ("partners", []),
    ("vpn-users", []),
]
# Relative membership weights (index-aligned with GROUPS).
GROUP_WEIGHTS = [30, 6, 14, 10, 6, 5, 8, 8, 6, 4, 4, 2, 1, 5, 3, 2, 2, 8, 6, 12]

ROLES = [
    ("user-admin", ["core.add_user", "core.change_user", "core.delete_user",
                    "core.reset_user_password", "core.view_user"]),
    ("group-admin", ["core.add_group", "core.change_group", "core.delete_group",
                     "core.view_group", "core.view_user"]),
    ("helpdesk", ["core.end_impersonation", "core.impersonate",
                  "core.reset_user_password", "core.view_user"]),
    ("auditor", ["core.view_group", "core.view_impersonation", "core.view_user",
                 "events.view_event", "rbac.view_role"]),
    ("role-admin", ["rbac.change_role", "rbac.view_role"]),
]
ROLE_WEIGHTS = [2, 2, 5, 3, 1]
# A couple of roles held through groups too (group_roles), as a real install would.
GROUP_ROLES = [("security", "auditor"), ("support-tier2", "helpdesk")]

START = calendar.timegm((2019, 1, 1, 0, 0, 0))
END = calendar.timegm((2026, 11, 1, 0, 0, 0))


def rfc3339(t, rng):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % rng.randrange(1_000_000)


def ascii_slug(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("ø", "o").replace("Ø", "O").replace("ß", "ss").replace("ł", "l")
    s = s.replace("ı", "i").replace("ş", "s").replace("İ", "I")
    return "".join(c for c in s.lower() if c.isascii() and c.isalnum())


def new_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def main():
    db_path, n_users, pool_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    t0 = time.monotonic()
    rng = random.Random(20261122)

    common_w = [1.0 / (i + 1) ** 0.9 for i in range(len(COMMON_LAST_NAMES))]
    total = sum(common_w)
    # P(one rare name) ~ 6 / 100 000, whatever the number of users.
    rare_w = 6e-5 * total / (1 - 6e-5 * len(RARE_LAST_NAMES))
    last_names = COMMON_LAST_NAMES + RARE_LAST_NAMES
    last_w = common_w + [rare_w] * len(RARE_LAST_NAMES)
    first_w = [1.0 / (i + 1) ** 0.5 for i in range(len(FIRST_NAMES))]
    # Cumulative weights once: rng.choices would rebuild them on every call.
    last_cw = list(itertools.accumulate(last_w))
    first_cw = list(itertools.accumulate(first_w))
    group_cw = list(itertools.accumulate(GROUP_WEIGHTS))
    role_cw = list(itertools.accumulate(ROLE_WEIGHTS))

    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")  # 400 MB: no cache spills mid-transaction
    conn.execute("PRAGMA foreign_keys = ON")
    taken = {u for (u,) in conn.execute("SELECT username FROM users")}
    suffix = {}

    def unique(base):
        if base not in taken:
            taken.add(base)
            return base
        n = suffix.get(base, 1)
        while True:
            n += 1
            cand = "%s%d" % (base, n)
            if cand not in taken:
                suffix[base] = n
                taken.add(cand)
                return cand

    conn.execute("BEGIN IMMEDIATE")

    group_ids, group_uuids = {}, {}
    for name, _ in GROUPS:
        u = new_uuid(rng)
        attrs = json.dumps({"description": "%s team" % name}) if rng.random() < 0.5 else "{}"
        cur = conn.execute(
            "INSERT INTO groups (uuid, name, is_superuser, attributes) VALUES (?, ?, 0, ?)",
            (u, name, attrs))
        group_ids[name], group_uuids[name] = cur.lastrowid, u
    n_parents = 0
    for name, parents in GROUPS:
        for pos, parent in enumerate(parents):
            conn.execute("INSERT INTO group_parents (group_id, parent_id, position) VALUES (?, ?, ?)",
                         (group_ids[name], group_ids[parent], pos))
            n_parents += 1

    role_ids, role_uuids = {}, {}
    n_perms = 0
    for name, perms in ROLES:
        u = new_uuid(rng)
        cur = conn.execute("INSERT INTO roles (uuid, name) VALUES (?, ?)", (u, name))
        role_ids[name], role_uuids[name] = cur.lastrowid, u
        conn.executemany("INSERT INTO role_permissions (role_id, codename) VALUES (?, ?)",
                         [(cur.lastrowid, p) for p in perms])
        n_perms += len(perms)
    conn.executemany("INSERT INTO group_roles (group_id, role_id) VALUES (?, ?)",
                     [(group_ids[g], role_ids[r]) for g, r in GROUP_ROLES])

    # date_joined grows with the id, as it would for users created over the years.
    joined = sorted(rng.uniform(START, END) for _ in range(n_users))
    group_names = [g for g, _ in GROUPS]
    role_names = [r for r, _ in ROLES]
    users, memberships, grants, pool = [], [], [], []
    next_id = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0]
               or 0) + 1
    # AUTOINCREMENT: ids continue after sqlite_sequence, not just MAX(id).
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'users'").fetchone()
    if seq:
        next_id = max(next_id, seq[0] + 1)

    for i in range(n_users):
        pk = next_id + i
        r = rng.random()
        kind = "internal" if r < 0.85 else ("external" if r < 0.97 else "service_account")
        attributes = "{}"
        path = "users"
        if kind == "service_account":
            word = rng.choice(SERVICE_WORDS)
            username = unique("svc-%s-%d" % (word, rng.randrange(1, 999)))
            name = "%s service" % word.replace("-", " ").capitalize()
            email = ""
            path = "users/service-accounts"
        else:
            first = rng.choices(FIRST_NAMES, cum_weights=first_cw)[0]
            last = rng.choices(last_names, cum_weights=last_cw)[0]
            name = "%s %s" % (first, last)
            f, l = ascii_slug(first), ascii_slug(last)
            style = rng.random()
            if style < 0.5:
                base = "%s.%s" % (f, l)
            elif style < 0.7:
                base = "%s%s" % (f[0], l)
            elif style < 0.85:
                base = "%s_%s" % (f, l)
            else:
                base = "%s%s%02d" % (f, l[0], rng.randrange(100))
            username = unique(base)
            if kind == "internal":
                email = "" if rng.random() < 0.02 else "%s@%s" % (username, rng.choice(DOMAINS))
                if rng.random() < 0.3:
                    attributes = json.dumps({"department": rng.choice(DEPARTMENTS),
                                             "employee_number": "E%06d" % pk})
            else:
                email = "%s@%s" % (username, rng.choice(EXTERNAL_DOMAINS))
                path = "users/external"
        t_join = joined[i]
        last_login = None
        if rng.random() < 0.8:
            last_login = rfc3339(rng.uniform(t_join, END + 20 * 86400), rng)
        updated = rfc3339(rng.uniform(t_join, END + 20 * 86400), rng)
        is_active = 0 if rng.random() < 0.07 else 1
        uid = new_uuid(rng)
        date_joined = rfc3339(t_join, rng)
        users.append((pk, uid, username, name, email, is_active, last_login, date_joined,
                      updated, date_joined, attributes, path, kind))

        k = 1 if rng.random() < 0.6 else 2
        gs = set()
        while len(gs) < k:
            gs.add(rng.choices(group_names, cum_weights=group_cw)[0])
        memberships.extend((pk, group_ids[g]) for g in gs)
        rs = []
        if rng.random() < 0.10:
            rs = [rng.choices(role_names, cum_weights=role_cw)[0]]
            if rng.random() < 0.1:
                other = rng.choices(role_names, cum_weights=role_cw)[0]
                if other not in rs:
                    rs.append(other)
            grants.extend((pk, role_ids[x]) for x in rs)
        pool.append("%d\t%s\t%s\t%s\t%s\n" % (
            pk, json.dumps(username), json.dumps(name)[1:-1],
            json.dumps(sorted(group_uuids[g] for g in gs)),
            json.dumps(sorted(role_uuids[x] for x in rs))))

    # The trigram indexes are built once after the insert ('rebuild' reads the content
    # table) instead of row by row through the insert trigger: about twice as fast.
    # The trigger is dropped and re-created from its own stored SQL in the same
    # transaction, so the schema ends up exactly as the server created it.
    trigger_sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'users_search_insert'"
    ).fetchone()[0]
    conn.execute("DROP TRIGGER users_search_insert")
    conn.executemany(
        """INSERT INTO users (id, uuid, username, name, email, is_active, password_hash,
               last_login, date_joined, last_updated, password_change_date, attributes,
               path, type)
           VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)""", users)
    # 'rebuild' leaves each index in a dozen or so segments; 'optimize' merges them
    # into one, as the server's maintenance does within its first minute.
    for column in ("username", "name", "email", "uuid"):
        for command in ("rebuild", "optimize"):
            conn.execute("INSERT INTO users_search_%s (users_search_%s) VALUES ('%s')"
                         % (column, column, command))
    conn.execute(trigger_sql)
    conn.executemany("INSERT INTO user_groups (user_id, group_id) VALUES (?, ?)", memberships)
    conn.executemany("INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", grants)

    # The search term: the rare surname whose trigram match count is closest to 6.
    best = None
    for last in RARE_LAST_NAMES:
        term = ascii_slug(last)[:9]
        n = conn.execute(" UNION ".join(
            "SELECT rowid FROM users_search_%s WHERE users_search_%s MATCH ?1" % (c, c)
            for c in ("username", "name", "email", "uuid")).join(
                ("SELECT COUNT(*) FROM (", ")")), ('"%s"' % term,)).fetchone()[0]
        if n and (best is None or abs(n - 6) < abs(best[1] - 6)):
            best = (term, n)
    conn.execute("COMMIT")
    seconds = time.monotonic() - t0
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()

    with open(pool_path, "w", encoding="utf-8") as f:
        f.writelines(pool)

    print("users", n_users)
    print("groups", len(GROUPS))
    print("group_parents", n_parents)
    print("user_groups", len(memberships))
    print("roles", len(ROLES))
    print("role_permissions", n_perms)
    print("user_roles", len(grants))
    print("search_term", best[0] if best else "smith")
    print("search_matches", best[1] if best else -1)
    print("seed_seconds", "%.2f" % seconds)


if __name__ == "__main__":
    main()
