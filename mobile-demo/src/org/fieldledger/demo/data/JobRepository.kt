package org.fieldledger.demo.data

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext
import org.fieldledger.DecisionConflict
import org.fieldledger.DeviceStore
import org.fieldledger.Disposition
import org.fieldledger.EntryId
import org.fieldledger.FieldConflict
import org.fieldledger.OnSiteVisit
import org.fieldledger.Status
import org.fieldledger.TicketId
import org.fieldledger.TicketSummary
import org.fieldledger.TicketView
import org.fieldledger.Work

/** A job as the detail screen shows it: every section, where it stands, the remedy in force. */
data class JobDetail(
    val view: TicketView,
    val status: Status,
    val disposition: Disposition?,
)

/**
 * The technician's jobs on this device (the data layer of the app). Each call goes to the
 * device store on [io], off the main thread, as an Android repository would.
 */
class JobRepository(private val store: DeviceStore, private val io: CoroutineDispatcher) {
    /** The jobs on this device, most recently changed first. */
    suspend fun jobs(): List<TicketSummary> = withContext(io) { store.jobs() }

    /** One job with every section. */
    suspend fun detail(ticket: TicketId): JobDetail = withContext(io) {
        JobDetail(store.ticket(ticket), store.ticketStatus(ticket), store.disposition(ticket))
    }

    /** The decision conflict, if the dispositions in force disagree. */
    suspend fun decisionConflict(ticket: TicketId): DecisionConflict? = withContext(io) { store.decisionConflict(ticket) }

    /** Fields with concurrent values. */
    suspend fun fieldConflicts(ticket: TicketId): List<FieldConflict> = withContext(io) { store.fieldConflicts(ticket) }

    /** Starts a visit; returns its id. */
    suspend fun arrive(ticket: TicketId, order: EntryId?, site: String): EntryId =
        withContext(io) { store.arrive(ticket, order, site).use { it.visitId() } }

    /** Ends a visit. */
    suspend fun depart(ticket: TicketId, visit: EntryId) = inVisit(ticket, visit) { it.depart() }

    /** Adds a work-log entry to a visit. */
    suspend fun logWork(ticket: TicketId, visit: EntryId, work: Work): EntryId = inVisit(ticket, visit) { it.logWork(work) }

    /** Attaches the photo at [path] to a visit. */
    suspend fun attachPhoto(ticket: TicketId, visit: EntryId, path: String, mime: String, caption: String): EntryId =
        inVisit(ticket, visit) { it.attachPhoto(path, mime, caption) }

    private suspend fun <T> inVisit(ticket: TicketId, visit: EntryId, action: (OnSiteVisit) -> T): T =
        withContext(io) { store.visit(ticket, visit).use(action) }

    /** Records the remedy judged. */
    suspend fun decide(ticket: TicketId, disposition: Disposition, rationale: String): EntryId =
        withContext(io) { store.decide(ticket, disposition, rationale) }

    /** Records the customer's sign-off of the job as it stands. */
    suspend fun signOff(ticket: TicketId, name: String, title: String, statement: String, visit: EntryId?): EntryId =
        withContext(io) { store.signOff(ticket, name, title, statement, visit, null) }
}
