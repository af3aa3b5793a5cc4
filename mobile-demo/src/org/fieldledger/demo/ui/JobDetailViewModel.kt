package org.fieldledger.demo.ui

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import org.fieldledger.Disposition
import org.fieldledger.EntryId
import org.fieldledger.FieldLedgerException
import org.fieldledger.Measurement
import org.fieldledger.PartLine
import org.fieldledger.TicketId
import org.fieldledger.UserId
import org.fieldledger.Visit
import org.fieldledger.Work
import org.fieldledger.demo.data.JobDetail
import org.fieldledger.demo.data.JobRepository

/** What the job screen shows: the job, and what the last action recorded. */
data class JobDetailState(
    val ticket: TicketId? = null,
    val detail: JobDetail? = null,
    val lastRecorded: String? = null,
)

/**
 * The job screen and its on-site actions: arrive, log a step or a repair, record parts and
 * photos, depart, decide, the customer's sign-off. The technician [me] works in one open visit
 * at a time: the visit they started and have not left.
 */
class JobDetailViewModel(private val jobs: JobRepository, private val me: UserId, scope: CoroutineScope) :
    ViewModel<JobDetailState>(JobDetailState(), scope) {
    /** Opens the job [ticket]. */
    fun open(ticket: TicketId): Job = launchAction { reload(ticket, null) }

    /** Reloads the open job. */
    fun refresh(): Job = launchAction { reload(ticket(), state.value.lastRecorded) }

    /** My visit to the open job that has not ended, if any. */
    fun openVisit(): Visit? = state.value.detail?.view?.visits?.lastOrNull { it.technician == me && it.departedAt == null }

    /** Arrives on site for the open job, under the travel task order that sends me, if any. */
    fun arrive(site: String): Job = record("arrived") { ticket ->
        val order = state.value.detail?.view?.dispatch?.orders?.lastOrNull { me in it.assignees }
        jobs.arrive(ticket, order?.id, site)
    }

    /** Logs a commissioning step with its measurements. */
    fun logStep(description: String, measurements: List<Measurement>): Job =
        inVisit("step logged") { ticket, visit -> jobs.logWork(ticket, visit, Work.Step(description, measurements)) }

    /** Logs a repair action. */
    fun logRepair(description: String): Job =
        inVisit("repair logged") { ticket, visit -> jobs.logWork(ticket, visit, Work.Repair(description)) }

    /** Records a part fitted ([used]) or taken out. */
    fun logPart(used: Boolean, part: PartLine): Job = inVisit(if (used) "part used recorded" else "part removed recorded") { ticket, visit ->
        jobs.logWork(ticket, visit, if (used) Work.PartUsed(part) else Work.PartRemoved(part))
    }

    /** Attaches the photo at [path]. */
    fun attachPhoto(path: String, caption: String): Job = inVisit("photo attached") { ticket, visit ->
        val mime = if (path.lowercase().endsWith(".png")) "image/png" else "image/jpeg"
        jobs.attachPhoto(ticket, visit, path, mime, caption)
    }

    /** Leaves the site. */
    fun depart(): Job = inVisit("departed") { ticket, visit -> jobs.depart(ticket, visit); visit }

    /** Records the remedy judged. */
    fun decide(disposition: Disposition, rationale: String): Job =
        record("decided: ${disposition.label}") { ticket -> jobs.decide(ticket, disposition, rationale) }

    /** Records the customer's sign-off, concluding my open visit if there is one. */
    fun signOff(name: String, title: String, statement: String): Job =
        record("signed off by $name") { ticket -> jobs.signOff(ticket, name, title, statement, openVisit()?.id) }

    private fun ticket(): TicketId = state.value.ticket ?: throw FieldLedgerException.Invalid("no job is open: open one from the job list")

    private suspend fun reload(ticket: TicketId, recorded: String?) {
        val detail = jobs.detail(ticket)
        update { JobDetailState(ticket, detail, recorded) }
    }

    private fun record(what: String, action: suspend (TicketId) -> EntryId): Job = launchAction {
        val ticket = ticket()
        action(ticket)
        reload(ticket, what)
    }

    private fun inVisit(what: String, action: suspend (TicketId, EntryId) -> EntryId): Job = record(what) { ticket ->
        val visit = openVisit() ?: throw FieldLedgerException.Invalid("you are not on site: arrive first")
        action(ticket, visit.id)
    }
}
