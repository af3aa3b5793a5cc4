package org.fieldledger.tests

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.fieldledger.Author
import org.fieldledger.DeviceStore
import org.fieldledger.Disposition
import org.fieldledger.FieldLedgerException
import org.fieldledger.IntakeSource
import org.fieldledger.Measurement
import org.fieldledger.PartLine
import org.fieldledger.Registration
import org.fieldledger.Role
import org.fieldledger.Section
import org.fieldledger.SyncCancel
import org.fieldledger.SyncProgress
import org.fieldledger.TicketKind
import org.fieldledger.Work
import org.fieldledger.testkit.Office
import org.fieldledger.testkit.runTests

/*
 * Tests of the Kotlin bindings on the desktop JVM with JNA, against a real fieldledger-server:
 * what crosses the FFI (sealed classes, Long times, nullables, exceptions), the suspend sync
 * off the caller's thread with progress and cancellation, and closing. What core does is tested
 * in Rust.
 */

private lateinit var office: Office
private val folders = mutableListOf<Path>()

private fun device(user: String?): DeviceStore {
    val dir = Files.createTempDirectory("fieldledger-device-").also { folders.add(it) }
    val store = DeviceStore.open(dir.toString())
    if (user != null) runBlocking { assertEquals(user, store.enrol(office.url, office.token(user).second).user) }
    return store
}

private fun registration(customer: String) = Registration(
    kind = TicketKind.COMMISSIONING, complaint = false, productName = "KYN28A-12 switchgear",
    model = "KYN28A-12/1250", jobNumber = "J2026-0888", contractNumber = "HT-2026-088",
    customerName = customer, contactPerson = "王工", contactMethod = "0311-5555",
    content = "Commission the new panel.", requests = "", source = IntakeSource.CUSTOMER,
    salesRepresentative = null, salesRep = null, major = false,
)

private fun photo(name: String): String =
    Files.write(Files.createTempDirectory("fieldledger-photo-").also { folders.add(it) }.resolve(name), "photo $name".toByteArray()).toString()

/** Progress that remembers rounds and runs [onRound] on the sync's thread. */
private class Rounds(val onRound: (Int) -> Unit = {}) : SyncProgress {
    val rounds = mutableListOf<Int>()
    override fun roundAnswered(round: UInt, tickets: UInt) {
        rounds += round.toInt()
        onRound(round.toInt())
    }
    override fun blobUploading(sha256: String, sent: ULong, total: ULong) {}
}

private fun workCrossesAsSealedClassesAndComesBackEqual() {
    val store = device("tech.zhang")
    assertEquals(Author(user = "tech.zhang", role = Role.TECHNICIAN), store.user())
    val ticket = store.register(registration("沧州水务"))
    val visit = store.arrive(ticket, null, "bay 2")
    val work = listOf(
        Work.Step("Insulation test", listOf(Measurement("insulation A-PE", 2500.5, "MΩ"), Measurement("contact resistance", 38.0, "µΩ"))),
        Work.Repair("Cleaned and greased the mechanism"),
        Work.PartUsed(PartLine("VI-12", 1u, "SN-0042", "vacuum interrupter")),
        Work.PartRemoved(PartLine("VI-12", 1u, null, "worn interrupter")),
    )
    work.forEach { visit.logWork(it) }
    store.decide(ticket, Disposition.REPLACE, "interrupter worn")
    val view = store.ticket(ticket)
    assertEquals(work, view.visits.single().log.map { it.work })
    assertEquals(visit.visitId(), store.visit(ticket, visit.visitId()).visitId())
    assertEquals("沧州水务", view.intake.registration.customerName)
    assertNull(view.visits.single().departedAt)
    val arrived: Long = view.visits.single().arrivedAt
    assertTrue(arrived > 1_700_000_000_000L, "device time in milliseconds, got $arrived")
    assertEquals(Disposition.REPLACE, store.disposition(ticket))
    assertNull(store.decisionConflict(ticket))
    assertEquals(listOf(Section.META, Section.INTAKE), store.history(ticket).first().sections.filter { it == Section.META || it == Section.INTAKE })
    assertTrue(store.jobs().single().onSite)
    store.closeStore()
}

private fun eachErrorArrivesAsItsException() {
    val store = device(null)
    assertFailsWith<FieldLedgerException.NotEnrolled> { runBlocking { store.sync(null, null) } }
    assertFailsWith<FieldLedgerException.Offline> { runBlocking { store.enrol("http://127.0.0.1:9", "token") } }
    val (deviceId, token) = office.token("tech.li")
    runBlocking { store.enrol(office.url, token) }
    assertFailsWith<FieldLedgerException.UnknownTicket> { store.ticket("0123456789abcdef0123456789abcdef") }
    val badId = assertFailsWith<FieldLedgerException.Invalid> { store.ticket("Ticket 1") }
    assertTrue(badId.reason.contains("ticket id"), badId.reason)
    val ticket = store.register(registration("Hebei Steel"))
    assertFailsWith<FieldLedgerException.Invalid> { store.visit(ticket, "no-such-visit") }
    office.admin("device", "revoke", deviceId)
    assertFailsWith<FieldLedgerException.Unauthorized> { runBlocking { store.sync(null, null) } }
    val supervisor = device("sup.chen")
    val forbidden = assertFailsWith<FieldLedgerException.Forbidden> {
        supervisor.arrive(supervisor.register(registration("Tangshan Power")), null, "bay 1")
    }
    assertTrue(forbidden.reason.contains("may not arrive"), forbidden.reason)
    val visit = store.arrive(ticket, null, "gate")
    store.closeStore()
    store.closeStore()
    assertFailsWith<FieldLedgerException.Closed> { store.jobs() }
    assertFailsWith<FieldLedgerException.Closed> { visit.logWork(Work.Repair("after closing")) }
    assertFailsWith<FieldLedgerException.Closed> { runBlocking { store.sync(null, null) } }
    store.use { }
}

private fun aDeviceEnrolsFromTheLinkTheServerMadeAndSyncs() {
    val (ticket, _) = office.deskTicket(listOf("tech.li"))
    val store = device(null)
    val link = office.enrolmentLink("tech.li")
    assertTrue(link.startsWith("${office.url}/enrol#token=flt_"), link)
    // As pasted from a message: spaces and a line break around it.
    assertEquals(Author(user = "tech.li", role = Role.TECHNICIAN), runBlocking { store.enrolLink("  $link\n") })
    runBlocking { store.sync(null, null) }
    assertTrue(store.jobs().any { it.ticketId == ticket }, "the job assigned to tech.li arrived")
    val wrong = assertFailsWith<FieldLedgerException.Invalid> { runBlocking { store.enrolLink(link.replace("#token=", "#tok=")) } }
    assertTrue(wrong.reason.contains("no token"), wrong.reason)
    assertFailsWith<FieldLedgerException.Invalid> { runBlocking { store.enrolLink("ftp://127.0.0.1/enrol#token=flt_x") } }
    store.closeStore()
}

private fun syncSuspendsWithoutBlockingTheCallersThread() {
    val store = device("tech.zhang")
    store.register(registration("Baoding Rail"))
    val otherCoroutineRan = CountDownLatch(1)
    val released = mutableListOf<Boolean>()
    // The sync's progress waits for a coroutine that can only run on the caller's one thread
    // while the sync is suspended: if the sync blocked that thread, the wait would time out.
    val progress = Rounds { round -> if (round == 1) released += otherCoroutineRan.await(10, TimeUnit.SECONDS) }
    val report = runBlocking {
        val sync = async(start = CoroutineStart.UNDISPATCHED) { store.sync(progress, null) }
        launch { store.jobs(); otherCoroutineRan.countDown() }
        sync.await()
    }
    assertEquals(listOf(true), released)
    assertEquals(report.rounds.toInt(), progress.rounds.size)
    assertEquals(0uL, store.syncStatus().unconfirmedChanges)
    store.closeStore()
}

private fun cancellingTheHandleOrTheCoroutineStopsTheSyncBetweenRounds() {
    val store = device("tech.zhang")
    val ticket = store.register(registration("Langfang Gas"))
    store.arrive(ticket, null, "valve room").attachPhoto(photo("valve.jpg"), "image/jpeg", "valve")
    val cancel = SyncCancel()
    assertFailsWith<FieldLedgerException.Cancelled> { runBlocking { store.sync(Rounds { cancel.cancel() }, cancel) } }
    assertEquals(1uL, store.syncStatus().blobsWaiting, "cancelled before the photo upload")
    assertEquals(0uL, store.syncStatus().unconfirmedChanges, "the finished round is kept")

    assertFailsWith<CancellationException> {
        runBlocking {
            val job = coroutineContext[kotlinx.coroutines.Job]
            store.sync(Rounds { job?.cancel(); Thread.sleep(500) }, null)
        }
    }
    val deadline = System.nanoTime() + 10_000_000_000L
    while (store.syncStatus().lastError?.contains("cancelled") != true && System.nanoTime() < deadline) Thread.sleep(50)
    assertEquals(1uL, store.syncStatus().blobsWaiting, "the abandoned sync stopped before the upload")

    val report = runBlocking { store.sync(null, SyncCancel()) }
    assertEquals(1uL, report.blobsUploaded)
    assertNull(store.syncStatus().lastError)
    assertNotNull(store.syncStatus().lastSyncAt)
    store.closeStore()
}

fun main() {
    val failed = Office().use { started ->
        office = started
        runTests(
            "kotlin",
            listOf(
                "work crosses as sealed classes and comes back equal" to ::workCrossesAsSealedClassesAndComesBackEqual,
                "each error arrives as its exception" to ::eachErrorArrivesAsItsException,
                "a device enrols from the link the server made and syncs" to ::aDeviceEnrolsFromTheLinkTheServerMadeAndSyncs,
                "sync suspends without blocking the caller's thread" to ::syncSuspendsWithoutBlockingTheCallersThread,
                "cancelling the handle or the coroutine stops the sync between rounds" to ::cancellingTheHandleOrTheCoroutineStopsTheSyncBetweenRounds,
            ),
        )
    }
    folders.forEach { it.toFile().deleteRecursively() }
    exitProcess(if (failed == 0) 0 else 1)
}
