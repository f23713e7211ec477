"""The walk of deploy/smoke.sh through the running stack, as a person's browser would make it:
over TLS to nginx, log in with password and TOTP, upload a file, wait until the worker has scanned
it, download it and compare its hash; an EICAR test file is found infected and never leaves.

    python deploy/smoke_client.py HTTPS_URL HTTP_URL CA_FILE EMAIL PASSWORD TOTP_SECRET

Prints one line per step; exits non-zero at the first step that fails.
"""

import hashlib
import re
import secrets
import sys
import time

import pyotp
import requests

SCAN_WAIT_SECONDS = 60
# Built from two halves so that no scanner quarantines this file (tests/clamd.py does the same).
INFECTED = "is een virus gevonden"
EICAR = (r"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()


class Walk:
    def __init__(self, base: str, ca_file: str):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.ca_file = ca_file  # per request: REQUESTS_CA_BUNDLE would override the session's

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(
            self.base + path, allow_redirects=False, timeout=60, verify=self.ca_file, **kwargs
        )

    def post(self, path: str, data: dict, headers=None, **kwargs) -> requests.Response:
        token = csrf_token(self.get(path).text)
        # Over HTTPS the CSRF check wants the page the form came from, as a browser sends it.
        headers = {"Referer": self.base + path, **(headers or {})}
        return self.http.post(
            self.base + path,
            data={"csrf_token": token, **data},
            allow_redirects=False,
            timeout=300,
            verify=self.ca_file,
            headers=headers,
            **kwargs,
        )

    def log_in(self, email: str, password: str, totp_secret: str) -> None:
        answer = self.post("/inloggen", {"email": email, "password": password})
        expect(answer.status_code == 302, f"password step answered {answer.status_code}")
        code = pyotp.TOTP(totp_secret).now()
        answer = self.post("/inloggen/verificatie", {"code": code})
        expect(answer.status_code == 302, f"MFA step answered {answer.status_code}")
        expect(self.get("/account").status_code == 200, "the account page after logging in")

    def upload_space(self) -> int:
        """The first space on the spaces list this person may upload into."""
        html = self.get("/werkruimtes").text
        for space_id in dict.fromkeys(re.findall(r'href="/werkruimtes/(\d+)"', html)):
            if self.get(f"/werkruimtes/{space_id}/documenten/uploaden").status_code == 200:
                return int(space_id)
        raise SystemExit("FAIL: no space to upload into")

    def upload(self, space_id: int, name: str, content: bytes) -> int:
        path = f"/werkruimtes/{space_id}/documenten/uploaden"
        answer = self.post(
            path,
            {"folder": "0", "classification": "intern"},
            files={"files": (name, content, "text/plain")},
            headers={"Accept": "application/json"},
        )
        expect(answer.status_code == 200, f"upload answered {answer.status_code}")
        return answer.json()["documents"][0]["id"]

    def download_when_scanned(self, document_id: int) -> requests.Response:
        """The download once the scan job has run: 409 while the file is in quarantine (and,
        with another text, once a virus was found in it)."""
        deadline = time.monotonic() + SCAN_WAIT_SECONDS
        while True:
            answer = self.get(f"/documenten/{document_id}/versies/1/download")
            if answer.status_code != 409 or INFECTED in answer.text:
                return answer
            expect(time.monotonic() < deadline, f"scanned within {SCAN_WAIT_SECONDS} s")
            time.sleep(0.5)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    expect(match is not None, "a CSRF token on the form")
    return match.group(1)


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"FAIL: {what}")


def main(
    base: str, http_base: str, ca_file: str, email: str, password: str, totp_secret: str
) -> None:
    walk = Walk(base, ca_file)
    answer = requests.get(http_base + "/inloggen", allow_redirects=False, timeout=10)
    expect(answer.status_code == 301, f"plain HTTP answered {answer.status_code}, not 301")
    expect(answer.headers["Location"].startswith("https://"), "plain HTTP sends to https://")
    expect(walk.get("/inloggen").status_code == 200, "the login page over TLS")
    print("ok   TLS: plain HTTP is sent to https://, the certificate verifies")

    walk.log_in(email, password, totp_secret)
    print("ok   logged in with password and TOTP")

    space_id = walk.upload_space()
    content = secrets.token_hex(1536 * 1024).encode()  # 3 MB of text, new every run
    document_id = walk.upload(space_id, "smoke-test.txt", content)
    print(f"ok   uploaded 3 MB through nginx into space {space_id} (document {document_id})")

    answer = walk.download_when_scanned(document_id)
    expect(answer.status_code == 200, f"the download answered {answer.status_code}")
    expect("X-Accel-Redirect" not in answer.headers, "nginx consumed X-Accel-Redirect")
    got, sent = hashlib.sha256(answer.content).hexdigest(), hashlib.sha256(content).hexdigest()
    expect(got == sent, f"the downloaded file's sha256 {got} is the uploaded one's {sent}")
    print(f"ok   scanned clean and downloaded: sha256 {got[:16]}… matches")

    infected_id = walk.upload(space_id, "eicar.txt", EICAR)
    answer = walk.download_when_scanned(infected_id)
    expect(answer.status_code == 409, f"an infected file answered {answer.status_code}")
    expect(INFECTED in answer.text, "the page says a virus was found")
    print("ok   the EICAR test file was found infected and is not sent")

    walk.post("/uitloggen", {})
    expect(walk.get("/account").status_code == 302, "logged out")
    print("ok   logged out")


if __name__ == "__main__":
    if len(sys.argv) != 7:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
