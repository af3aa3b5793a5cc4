"""Tests of the Python bindings (module `fieldledger`) against a real fieldledger-server.

They cover what crosses the FFI: records and enums both ways, each error case as its
exception, closing, and async sync with progress and cancellation on loopback. What core
itself does is tested in Rust.

Run by scripts/test-bindings, which puts the generated module on PYTHONPATH and names the
server binary in FIELDLEDGER_SERVER.
"""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import fieldledger as fl

SERVER = os.environ.get("FIELDLEDGER_SERVER", "target/debug/fieldledger-server")


class Office:
    """A real fieldledger-server on a free loopback port, with a desk, a supervisor, two
    technicians and an administrator created through its admin commands."""

    USERS = [
        ("desk.wang", "service_desk"),
        ("sup.chen", "supervisor"),
        ("tech.zhang", "technician"),
        ("tech.li", "technician"),
        ("it.admin", "admin"),
    ]

    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="fieldledger-office-")
        for user, role in self.USERS:
            self.admin("user", "add", user, "--name", user, "--role", role)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.data, "server.log"), "wb")
        self.process = subprocess.Popen(
            [SERVER, "--data-dir", self.data, "serve", "--listen", f"127.0.0.1:{port}"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.close()
                    raise RuntimeError("fieldledger-server did not start")
                time.sleep(0.1)
        self.desk = self.token("desk.wang")[1]

    def admin(self, *args):
        done = subprocess.run(
            [SERVER, "--data-dir", self.data, *args], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"fieldledger-server {args}: {done.stderr}")
        return done.stdout

    def token(self, user):
        """Enrols a device for `user`; returns (device id, token)."""
        out = self.admin("device", "enrol", user)
        device = out.split()[1]
        token = out.strip().splitlines()[-1].split(": ", 1)[1]
        return device, token

    def enrolment_link(self, user, label=None):
        """Enrols a device for `user` as the dashboard does (POST /v1/devices, by the
        administrator); returns the answer: device, token, link and QR code."""
        if not hasattr(self, "administrator"):
            self.administrator = self.token("it.admin")[1]
        status, body = self.call(
            "POST",
            "/v1/devices",
            self.administrator,
            {"user": user, "label": label or f"{user}'s phone"},
        )
        assert status == 201, body
        return body

    def call(self, method, path, token, body=None):
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def desk_ticket(self, assignees):
        status, body = self.call("POST", "/v1/tickets", self.desk, REGISTRATION_JSON)
        assert status == 201, body
        ticket = body["ticket_id"]
        order = {
            "op": "issue_travel_order",
            "number": "CC-2026-0301",
            "kind": "on_site_service",
            "issuing_department": "technical_service",
            "assignees": assignees,
        }
        status, body = self.call("POST", f"/v1/tickets/{ticket}/operations", self.desk, order)
        assert status == 200, body
        return ticket, body["entry"]

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


REGISTRATION_JSON = {
    "kind": "complaint",
    "complaint": True,
    "product_name": "ZN63 vacuum circuit breaker",
    "model": "ZN63-12/1250-31.5",
    "job_number": "J2026-0301",
    "contract_number": "HT-2026-031",
    "customer_name": "Cangzhou Water",
    "contact_person": "Liu",
    "contact_method": "0311-1234",
    "content": "Breaker trips without fault indication.",
    "requests": "Visit this week",
    "source": "customer",
    "major": False,
}


def registration(customer):
    return fl.Registration(
        kind=fl.TicketKind.COMMISSIONING,
        complaint=False,
        product_name="KYN28A-12 switchgear",
        model="KYN28A-12/1250",
        job_number="J2026-0777",
        contract_number="HT-2026-077",
        customer_name=customer,
        contact_person="王工",
        contact_method="0311-5555",
        content="Commission the new panel.",
        requests="",
        source=fl.IntakeSource.SALES_REPRESENTATIVE,
        sales_representative="Zhao Lei",
        sales_rep=None,
        major=False,
    )


class Progress(fl.SyncProgress):
    """Records what a sync reports; optionally cancels it after the first round."""

    def __init__(self, cancel_after_first_round=None):
        self.rounds = []
        self.blobs = []
        self.cancel = cancel_after_first_round

    def round_answered(self, round, tickets):
        self.rounds.append((round, tickets))
        if self.cancel is not None:
            self.cancel.cancel()

    def blob_uploading(self, sha256, sent, total):
        self.blobs.append((sha256, sent, total))


class BindingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.office = Office()

    @classmethod
    def tearDownClass(cls):
        cls.office.close()

    def setUp(self):
        self.dirs = []

    def tearDown(self):
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)

    def device(self, user=None):
        """A device store in a fresh folder, enrolled for `user` when given."""
        d = tempfile.mkdtemp(prefix="fieldledger-device-")
        self.dirs.append(d)
        store = fl.DeviceStore.open(d)
        if user is not None:
            author = asyncio.run(store.enrol(self.office.url, self.office.token(user)[1]))
            self.assertEqual(author.user, user)
        return store

    def test_a_whole_visit_crosses_the_ffi_and_reaches_the_office(self):
        store = self.device("tech.zhang")
        self.assertEqual(store.user(), fl.Author(user="tech.zhang", role=fl.Role.TECHNICIAN))
        ticket = store.register(registration("沧州水务 Cangzhou Water"))
        visit = store.arrive(ticket, None, "Substation 3, bay 2")
        step = fl.Work.STEP(
            description="Insulation test",
            measurements=[fl.Measurement(quantity="insulation A-PE", value=2500.5, unit="MΩ")],
        )
        visit.log_work(step)
        part = fl.PartLine(part_number="VI-12", quantity=2, serial=None, description="interrupter")
        visit.log_work(fl.Work.PART_USED(part))
        photo = os.path.join(self.dirs[0], "panel.jpg")
        with open(photo, "wb") as f:
            f.write(b"\xff\xd8 a photo of the panel")
        visit.attach_photo(photo, "image/jpeg", "panel after repair")
        store.decide(ticket, fl.Disposition.REPAIR_ON_SITE, "contacts worn")
        visit.depart()
        store.sign_off(ticket, "Liu", "shift lead", "Works again", visit.visit_id(), None)
        claim = store.claim_expense(ticket, fl.CostKind.TRAVEL, 52_000, "CNY", "train and hotel")

        view = store.ticket(ticket)
        self.assertEqual(view.intake.registration.customer_name, "沧州水务 Cangzhou Water")
        self.assertEqual(view.intake.registration.source, fl.IntakeSource.SALES_REPRESENTATIVE)
        [read] = view.visits
        self.assertEqual(read.site, "Substation 3, bay 2")
        self.assertIsInstance(read.departed_at, int)
        self.assertEqual([entry.work for entry in read.log], [step, fl.Work.PART_USED(part)])
        self.assertEqual(read.photos[0].blob.size, len(b"\xff\xd8 a photo of the panel"))
        self.assertEqual(view.decisions.entries[0].disposition, fl.Disposition.REPAIR_ON_SITE)
        self.assertEqual(view.signoffs[0].visit_id, visit.visit_id())
        self.assertEqual(read.id, visit.visit_id())
        self.assertEqual(store.disposition(ticket), fl.Disposition.REPAIR_ON_SITE)
        self.assertEqual(store.ticket_status(ticket), fl.Status.RESOLVED)
        actions = [h.note.action for h in store.history(ticket)]
        self.assertEqual(
            actions,
            ["register", "arrive", "log_work", "log_work", "attach_photo", "decide", "depart",
             "sign_off", "submit_cost"],
        )
        self.assertIn(fl.Section.DECISIONS, store.history(ticket)[5].sections)
        [job] = store.jobs()
        self.assertTrue(job.signed_off)
        self.assertIsNone(job.ledger_number)
        waiting = store.sync_status()
        self.assertEqual((waiting.unconfirmed_tickets, waiting.blobs_waiting), (1, 1))

        progress = Progress()
        report = asyncio.run(store.sync(progress, None))
        self.assertEqual((report.blobs_uploaded, report.errors), (1, []))
        self.assertEqual(progress.rounds[0][0], 1)
        self.assertEqual(progress.blobs[-1][1:], (len(b"\xff\xd8 a photo of the panel"),) * 2)
        done = store.sync_status()
        self.assertEqual((done.unconfirmed_changes, done.blobs_waiting), (0, 0))
        self.assertIsNotNone(done.last_sync_at)
        status, body = self.office.call("GET", f"/v1/tickets/{ticket}", self.office.desk)
        self.assertEqual(status, 200, body)
        [number] = [j.ledger_number for j in store.jobs() if j.ticket_id == ticket]
        self.assertTrue(number.startswith("KS-"))
        self.assertEqual(number, body["view"]["meta"]["ledger_number"])
        self.assertEqual(
            sorted(h["hash"] for h in body["history"]), sorted(h.hash for h in store.history(ticket))
        )
        [cost] = body["view"]["costs"]
        self.assertEqual(
            (cost["id"], cost["submitted_by"], cost["amount_minor"], cost["bearer"]),
            (claim, "tech.zhang", 52_000, "company"),
        )
        with self.assertRaises(fl.FieldLedgerError.Invalid):
            store.claim_expense(ticket, fl.CostKind.TRAVEL, 0, "CNY", "nothing")
        store.close_store()

    def test_each_error_case_raises_its_exception(self):
        store = self.device()
        with self.assertRaises(fl.FieldLedgerError.NotEnrolled):
            asyncio.run(store.sync(None, None))
        with self.assertRaises(fl.FieldLedgerError.Offline):
            asyncio.run(store.enrol("http://127.0.0.1:9", "token"))
        with self.assertRaises(fl.FieldLedgerError.Unauthorized):
            asyncio.run(store.enrol(self.office.url, "not-a-token"))
        device, token = self.office.token("tech.li")
        asyncio.run(store.enrol(self.office.url, token))
        with self.assertRaises(fl.FieldLedgerError.UnknownTicket):
            store.ticket("0123456789abcdef0123456789abcdef")
        with self.assertRaises(fl.FieldLedgerError.Invalid):
            store.ticket("../etc/passwd")
        ticket = store.register(registration("Hebei Steel"))
        with self.assertRaises(fl.FieldLedgerError.Invalid) as refused:
            store.decide(ticket, fl.Disposition.REPLACE, "   ")
        self.assertIn("rationale", refused.exception.reason)
        with self.assertRaises(fl.FieldLedgerError.Invalid):
            store.visit(ticket, "no-such-visit")
        self.assertEqual(len(store.history(ticket)), 1, "nothing refused was written")

        self.office.admin("device", "revoke", device)
        with self.assertRaises(fl.FieldLedgerError.Unauthorized):
            asyncio.run(store.sync(None, None))
        self.assertIn("token", store.sync_status().last_error)

        supervisor = self.device("sup.chen")
        sup_ticket = supervisor.register(registration("Tangshan Power"))
        with self.assertRaises(fl.FieldLedgerError.Forbidden):
            supervisor.arrive(sup_ticket, None, "bay 1")

        store.close_store()
        store.close_store()
        with self.assertRaises(fl.FieldLedgerError.Closed):
            store.jobs()
        with self.assertRaises(fl.FieldLedgerError.Closed):
            asyncio.run(store.sync(None, None))

    def test_a_device_enrols_from_the_link_the_server_made_and_syncs(self):
        ticket, _ = self.office.desk_ticket(["tech.li"])
        enrolled = self.office.enrolment_link("tech.li")
        link = enrolled["link"]
        self.assertEqual(link, f"{self.office.url}/enrol#token={enrolled['token']}")
        self.assertTrue(enrolled["qr_svg"].startswith("<?xml"))
        store = self.device()
        # As pasted from a message: spaces and a line break around it.
        author = asyncio.run(store.enrol_link(f"  {link}\n"))
        self.assertEqual(author, fl.Author(user="tech.li", role=fl.Role.TECHNICIAN))
        asyncio.run(store.sync(None, None))
        self.assertIn(ticket, [job.ticket_id for job in store.jobs()])
        for bad, why in [
            (link.replace("#token=", "#tok="), "no token"),
            (link.replace("http://", "ftp://"), "http"),
            (link + " x", "contains"),
            (link.replace("flt_", "flt_<b>"), "token contains"),
        ]:
            with self.assertRaises(fl.FieldLedgerError.Invalid) as refused:
                asyncio.run(store.enrol_link(bad))
            self.assertIn(why, str(refused.exception))
        # Revoked from the same screen: the next sync is refused.
        status, body = self.office.call(
            "POST",
            f"/v1/devices/{enrolled['device']['id']}/revoke",
            self.office.administrator,
        )
        self.assertEqual(status, 200, body)
        self.assertIsNotNone(body["device"]["revoked_at"])
        with self.assertRaises(fl.FieldLedgerError.Unauthorized):
            asyncio.run(store.sync(None, None))

    def test_a_cancelled_sync_keeps_its_finished_rounds_and_the_next_sync_finishes(self):
        store = self.device("tech.zhang")
        ticket = store.register(registration("Baoding Rail"))
        visit = store.arrive(ticket, None, "depot")
        photo = os.path.join(self.dirs[0], "depot.png")
        with open(photo, "wb") as f:
            f.write(b"\x89PNG depot")
        visit.attach_photo(photo, "image/png", "depot")

        cancel = fl.SyncCancel()
        with self.assertRaises(fl.FieldLedgerError.Cancelled):
            asyncio.run(store.sync(Progress(cancel_after_first_round=cancel), cancel))
        self.assertTrue(cancel.is_cancelled())
        stopped = store.sync_status()
        self.assertEqual(stopped.unconfirmed_changes, 0, "the finished round was kept")
        self.assertEqual(stopped.blobs_waiting, 1, "the photo upload never started")
        self.assertIn("cancelled", stopped.last_error)

        report = asyncio.run(store.sync(None, fl.SyncCancel()))
        self.assertEqual(report.blobs_uploaded, 1)
        self.assertIsNone(store.sync_status().last_error)

    def test_two_technicians_see_each_others_work_and_a_field_conflict(self):
        ticket, order = self.office.desk_ticket(["tech.zhang", "tech.li"])
        zhang, li = self.device("tech.zhang"), self.device("tech.li")
        for store in (zhang, li):
            asyncio.run(store.sync(None, None))
            self.assertIn(ticket, [job.ticket_id for job in store.jobs()])
            self.assertEqual(store.ticket(ticket).dispatch.orders[0].id, order)
        zhang.amend_intake(ticket, fl.IntakeAmendment(model="ZN63-12/1250-25", **NO_CHANGE))
        li.amend_intake(ticket, fl.IntakeAmendment(model="ZN63-12/630-20", **NO_CHANGE))
        zhang.arrive(ticket, order, "pump station")
        for store in (zhang, li, zhang):
            asyncio.run(store.sync(None, None))
        self.assertEqual(li.ticket(ticket).visits[0].technician, "tech.zhang")
        for store in (zhang, li):
            [conflict] = store.field_conflicts(ticket)
            self.assertEqual(conflict.path, ["intake", "model"])
            self.assertEqual(
                sorted(json.loads(v) for v in conflict.values),
                ["ZN63-12/1250-25", "ZN63-12/630-20"],
            )


NO_CHANGE = {
    key: None
    for key in [
        "kind", "complaint", "product_name", "job_number", "contract_number", "customer_name",
        "contact_person", "contact_method", "content", "requests", "major", "sales_rep",
    ]
}


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python: {result.testsRun - failed} passed, {failed} failed")
    raise SystemExit(1 if failed or not result.testsRun else 0)
