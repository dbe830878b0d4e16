"""Provisions N agents through Guichet's API and the same N entries through
ldapadd, on one slapd; prints agents per second for both and their ratio.
Standard library only (the machine's python3)."""

import argparse
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse


def ssha(password: str) -> str:
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def letters(i: int) -> str:
    """A distinct all-letter name part per number (names hold no digits)."""
    out = ""
    for _ in range(4):
        out = "abcdefghijklmnopqrstuvwxyz"[i % 26] + out
        i //= 26
    return out.capitalize()


def agent(i: int) -> dict:
    return {
        "uid": f"agent{i:05d}",
        "first_name": "Camille",
        "last_name": f"Essai-{letters(i)}",
        "email": f"agent{i:05d}@banc.example.fr",
        "phone": "01 23 45 67 89",
        "password": "mot-de-passe-agent-1",
    }


class Api:
    def __init__(self, base: str, auth: str):
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.auth = auth
        self.local = threading.local()

    def call(self, method: str, path: str, body=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Authorization": self.auth, "Content-Type": "application/json", "Host": f"{self.host}:{self.port}"}
        data = json.dumps(body).encode() if body is not None else None
        try:
            conn.request(method, path, body=data, headers=headers)
            res = conn.getresponse()
            payload = res.read()
        except (http.client.HTTPException, OSError):
            self.local.conn = None
            raise
        return res.status, (json.loads(payload) if payload else None)


def wait_for(api: Api):
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection(api.host, api.port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit("le serveur ne répond pas")


def main():
    ap = argparse.ArgumentParser()
    for name in ["api", "login", "password", "ldap-url", "bind-dn", "bind-password", "base-dn", "work"]:
        ap.add_argument(f"--{name}", required=True)
    ap.add_argument("--agents", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=8)
    a = ap.parse_args()

    basic = "Basic " + base64.b64encode(f"{a.login}:{a.password}".encode()).decode()
    api = Api(a.api, basic)
    wait_for(api)
    for slug in ["banc-api", "banc-ldapadd"]:
        status, body = api.call("POST", "/api/v1/local-authorities", {
            "slug": slug, "name": f"Banc {slug}",
            "admin": {"first_name": "Admin", "last_name": "Banc", "email": f"admin@{slug}.example.fr",
                      "password": "mot-de-passe-agent-1"},
        })
        assert status == 201, (status, body)
    # A bearer token, as scripts use: no password hashing per request.
    token = subprocess.run(
        [os.path.join("target", "release", "guichet"), "admin", "token", "--login", a.login],
        check=True, capture_output=True, text=True).stdout.strip()
    api = Api(a.api, "Bearer " + token)

    # 1. Plain ldapadd of the same entries, one process, one connection.
    ldif = os.path.join(a.work, "agents.ldif")
    with open(ldif, "w") as f:
        for i in range(a.agents):
            g = agent(i)
            f.write(
                f"dn: uid={g['uid']},ou=agents,dc=banc-ldapadd,{a.base_dn}\n"
                "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\n"
                f"uid: {g['uid']}\ncn: {g['first_name']} {g['last_name']}\ngivenName: {g['first_name']}\n"
                f"sn: {g['last_name']}\nmail: {g['email']}\ntelephoneNumber: {g['phone']}\n"
                f"userPassword: {ssha(g['password'])}\n\n")
    env = dict(os.environ, LDAPNOINIT="1")
    start = time.perf_counter()
    subprocess.run(["ldapadd", "-x", "-H", a.ldap_url, "-D", a.bind_dn, "-w", a.bind_password, "-f", ldif],
                   check=True, stdout=subprocess.DEVNULL, env=env)
    ldapadd_s = time.perf_counter() - start

    # 2. The same agents through Guichet's API (LDAP first, then the database).
    errors = []
    next_i = iter(range(a.agents))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = next(next_i, None)
            if i is None:
                return
            status, body = api.call("POST", "/api/v1/local-authorities/banc-api/agents", agent(i))
            if status != 201:
                errors.append((i, status, body))

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    api_s = time.perf_counter() - start
    if errors:
        sys.exit(f"{len(errors)} échecs, dont : {errors[:3]}")

    status, found = api.call("GET", "/api/v1/local-authorities/banc-api/agents?q=agent0&limit=1")
    assert status == 200 and found, "agents retrouvés"

    # 3. Searching among them, as the search box does (prefix of a name), one client.
    latencies = []
    for i in range(300):
        prefix = "essai-" + letters(i * 7919 % a.agents)[:3].lower()
        start = time.perf_counter()
        status, hits = api.call("GET", f"/api/v1/local-authorities/banc-api/agents?q={prefix}&limit=50")
        latencies.append(time.perf_counter() - start)
        assert status == 200 and hits, (prefix, status)
    latencies.sort()
    result = {
        "agents": a.agents,
        "concurrency": a.concurrency,
        "ldapadd_seconds": round(ldapadd_s, 2),
        "ldapadd_agents_per_second": round(a.agents / ldapadd_s, 1),
        "api_seconds": round(api_s, 2),
        "api_agents_per_second": round(a.agents / api_s, 1),
        "api_vs_ldapadd": round(ldapadd_s / api_s, 3),
        "search_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "search_p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 2),
    }
    print(json.dumps(result))
    print(f"ldapadd : {result['ldapadd_agents_per_second']} agents/s ; "
          f"API Guichet : {result['api_agents_per_second']} agents/s "
          f"(concurrence {a.concurrency}) ; rapport API/ldapadd : {result['api_vs_ldapadd']} ; "
          f"recherche parmi {a.agents} agents : p50 {result['search_p50_ms']} ms, p95 {result['search_p95_ms']} ms",
          file=sys.stderr)


if __name__ == "__main__":
    main()
