package org.fieldledger.demo.terminal

import java.io.PrintStream
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.StateFlow
import org.fieldledger.DeviceStore
import org.fieldledger.Measurement
import org.fieldledger.PartLine
import org.fieldledger.TicketSummary
import org.fieldledger.demo.data.JobRepository
import org.fieldledger.demo.data.SyncRepository
import org.fieldledger.demo.ui.ConflictsViewModel
import org.fieldledger.demo.ui.JobDetailViewModel
import org.fieldledger.demo.ui.JobsViewModel
import org.fieldledger.demo.ui.SyncViewModel
import org.fieldledger.demo.ui.dispositionNamed
import org.fieldledger.demo.ui.label
import org.fieldledger.demo.ui.line
import org.fieldledger.demo.ui.time

/** The commands of the terminal front end, as `help` prints them. */
const val HELP = """commands (arguments are separated by '|'):
  enrol <server url> | <device token>      enrol this phone with the office
  enrol <enrolment link>                   the same, from the link (or QR code) on the dashboard
  jobs                                     my jobs
  open <number in the list | ticket id>    open a job and show it
  show                                     the open job
  arrive <site>                            arrive on site
  step <what was done> [| <quantity> = <value> <unit>]...
  repair <what was repaired>
  part-used <part number> | <quantity> [| <description> [| <serial>]]
  part-removed <part number> | <quantity> [| <description> [| <serial>]]
  photo <file> | <caption>
  depart                                   leave the site
  decide <repair|replace|return|no-fault> | <rationale>
  sign-off <signer> | <title> | <statement>
  conflicts                                decision and field conflicts of the open job
  sync                                     sync now
  status                                   sync status
  help, quit"""

/**
 * The technician app's terminal front end: each command is a tap on a screen, handled by that
 * screen's view model; the state the view model then holds is printed. Runs on the caller's
 * coroutine scope, its "main thread".
 */
class TerminalApp(store: DeviceStore, private val out: PrintStream, scope: CoroutineScope) {
    private val jobRepository = JobRepository(store, Dispatchers.IO)
    private val jobs = JobsViewModel(jobRepository, scope)
    private val sync = SyncViewModel(SyncRepository(store, Dispatchers.IO), scope)
    private val conflicts = ConflictsViewModel(jobRepository, scope)
    private val detailScope = scope
    private var detail: JobDetailViewModel? = null

    /** Runs one command line; returns whether it succeeded. */
    suspend fun run(line: String): Boolean {
        val words = line.trim().split(Regex("\\s+"), limit = 2)
        val name = words[0]
        val args = words.getOrNull(1)?.split("|")?.map { it.trim() } ?: emptyList()
        return when (name) {
            "", "#" -> true
            "help" -> true.also { out.println(HELP) }
            "enrol" -> perform(
                if (args.size == 1) sync.enrolLink(arg(args, 0, "enrolment link"))
                else sync.enrol(arg(args, 0, "server url"), arg(args, 1, "token")),
                sync.error,
            ) {
                sync.state.value.user?.let { out.println("enrolled as ${it.user} (${it.role.name.lowercase()})") }
            }
            "jobs" -> perform(jobs.refresh(), jobs.error) { printJobs(jobs.state.value) }
            "open" -> openJob(arg(args, 0, "job"))
            "show" -> job { vm -> perform(vm.refresh(), vm.error) { printJob(vm) } }
            "arrive" -> act { it.arrive(arg(args, 0, "site")) }
            "step" -> act { it.logStep(arg(args, 0, "step"), args.drop(1).map(::measurement)) }
            "repair" -> act { it.logRepair(arg(args, 0, "repair")) }
            "part-used", "part-removed" -> act { it.logPart(name == "part-used", part(args)) }
            "photo" -> act { it.attachPhoto(arg(args, 0, "file"), args.getOrElse(1) { "" }) }
            "depart" -> act { it.depart() }
            "decide" -> act {
                val disposition = dispositionNamed(arg(args, 0, "disposition"))
                    ?: throw Usage("a disposition is one of repair, replace, return, no-fault")
                it.decide(disposition, arg(args, 1, "rationale"))
            }
            "sign-off" -> act { it.signOff(arg(args, 0, "signer"), args.getOrElse(1) { "" }, args.getOrElse(2) { "" }) }
            "conflicts" -> job { vm ->
                val ticket = vm.state.value.ticket ?: throw Usage("open a job first")
                perform(conflicts.load(ticket), conflicts.error) { printConflicts() }
            }
            "sync" -> {
                out.println("syncing…")
                perform(sync.syncNow(), sync.error) { printReport() }.also { detail?.takeIf { it.state.value.ticket != null }?.refresh()?.join() }
            }
            "status" -> perform(sync.refresh(), sync.error) { printStatus() }
            else -> throw Usage("unknown command '$name'; try help")
        }
    }

    /** A command used wrongly. */
    class Usage(message: String) : Exception(message)

    private fun arg(args: List<String>, index: Int, what: String): String =
        args.getOrNull(index)?.takeIf { it.isNotEmpty() } ?: throw Usage("missing $what")

    private fun measurement(text: String): Measurement {
        val found = Regex("(.+?)=\\s*([-+0-9.eE]+)\\s*(.*)").matchEntire(text)
            ?: throw Usage("a measurement reads '<quantity> = <value> <unit>', not '$text'")
        val (quantity, value, unit) = found.destructured
        return Measurement(quantity.trim(), value.toDouble(), unit.trim())
    }

    private fun part(args: List<String>) = PartLine(
        partNumber = arg(args, 0, "part number"),
        quantity = arg(args, 1, "quantity").toUIntOrNull() ?: throw Usage("a quantity is a whole number"),
        description = args.getOrElse(2) { "" },
        serial = args.getOrNull(3)?.takeIf { it.isNotEmpty() },
    )

    /** Waits for a view model's action, then prints its error or [render]s its state. */
    private suspend fun perform(action: Job, error: StateFlow<String?>, render: () -> Unit): Boolean {
        action.join()
        val failed = error.value ?: return true.also { render() }
        out.println("! $failed")
        return false
    }

    private suspend fun job(use: suspend (JobDetailViewModel) -> Boolean): Boolean =
        use(detail ?: throw Usage("open a job first"))

    private suspend fun act(action: (JobDetailViewModel) -> Job): Boolean = job { vm ->
        perform(action(vm), vm.error) { vm.state.value.lastRecorded?.let { out.println("✓ $it") } }
    }

    private suspend fun openJob(which: String): Boolean {
        sync.refresh().join()
        val me = sync.state.value.user?.user ?: throw Usage("enrol first")
        val listed = jobs.state.value
        val ticket = which.toIntOrNull()?.let { listed.getOrNull(it - 1)?.ticketId ?: throw Usage("no job $it in the list") } ?: which
        val vm = JobDetailViewModel(jobRepository, me, detailScope)
        detail = vm
        return perform(vm.open(ticket), vm.error) { printJob(vm) }
    }

    private fun printJobs(list: List<TicketSummary>) {
        if (list.isEmpty()) out.println("no jobs on this phone yet: sync")
        list.forEachIndexed { i, job ->
            val marks = listOfNotNull(
                "decision conflict".takeIf { job.decisionConflict },
                job.disposition?.let { "decided: ${it.label}" },
                "on site".takeIf { job.onSite },
                "signed off".takeIf { job.signedOff },
            )
            val number = job.ledgerNumber ?: "(no ledger number yet)"
            out.println("${i + 1}. $number  ${job.customerName}  ${job.productName}  ${marks.joinToString(", ") { "[$it]" }}".trimEnd())
        }
    }

    private fun printJob(vm: JobDetailViewModel) {
        val detail = vm.state.value.detail ?: return
        val view = detail.view
        val reg = view.intake.registration
        out.println("${view.meta.ledgerNumber ?: "(no ledger number yet)"} · ${reg.customerName} · ${reg.productName} (${reg.model}), job number ${reg.jobNumber}")
        out.println("  ${reg.content}")
        val decision = when {
            detail.disposition != null -> detail.disposition.label
            view.decisions.entries.isEmpty() -> "not decided"
            else -> "decision conflict"
        }
        out.println("status: ${detail.status.name.lowercase()}   disposition: $decision")
        for (order in view.dispatch.orders) {
            out.println("order ${order.number} (${order.kind.name.lowercase()}) for ${order.assignees.joinToString(", ")}")
        }
        for (visit in view.visits) {
            val left = visit.departedAt?.let { "left ${time(it)}" } ?: "on site"
            out.println("visit '${visit.site}' by ${visit.technician}, arrived ${time(visit.arrivedAt)}, $left")
            for (entry in visit.log) out.println("  - ${describe(entry.work)}")
            for (photo in visit.photos) out.println("  - photo: ${photo.caption} (${photo.blob.mime}, ${photo.blob.size} bytes)")
        }
        for (entry in view.decisions.entries) out.println("decision: ${entry.line()}")
        for (signoff in view.signoffs) out.println("signed off by ${signoff.signerName} (${signoff.signerTitle}) at ${time(signoff.signedAt)}: ${signoff.statement}")
    }

    private fun describe(work: org.fieldledger.Work): String = when (work) {
        is org.fieldledger.Work.Step -> "step: ${work.description}" +
            work.measurements.joinToString("") { " [${it.quantity} = ${it.value} ${it.unit}]" }
        is org.fieldledger.Work.Repair -> "repair: ${work.description}"
        is org.fieldledger.Work.PartUsed -> "part used: ${work.v1.partNumber} ×${work.v1.quantity} ${work.v1.description}".trimEnd()
        is org.fieldledger.Work.PartRemoved -> "part removed: ${work.v1.partNumber} ×${work.v1.quantity} ${work.v1.description}".trimEnd()
    }

    private fun printConflicts() {
        val state = conflicts.state.value
        val conflict = state.decisionConflict
        if (conflict != null) {
            out.println("decision conflict between ${conflict.entries.size} entries:")
            conflict.entries.forEach { out.println("  - ${it.line()}") }
        } else {
            val inForce = state.decisions.lastOrNull { it.disposition == state.disposition }
            val by = inForce?.let { " (decided by ${it.by}, ${it.role.name.lowercase()})" } ?: ""
            out.println("no decision conflict; disposition: ${state.disposition?.label ?: "not decided"}$by")
        }
        out.println("decision entries: ${state.decisions.size}")
        if (state.fieldConflicts.isEmpty()) out.println("no field conflicts")
        state.fieldConflicts.forEach { out.println("field ${it.path.joinToString(".")} has values ${it.values.joinToString(" / ")}") }
    }

    private fun printReport() {
        val report = sync.state.value.report ?: return
        out.println(
            "synced in ${report.rounds} round(s): ${report.ticketsReceived} job(s) received (${report.ticketsNew} new), " +
                "${report.ticketsConfirmed} confirmed by the office, ${report.blobsUploaded} photo(s) uploaded",
        )
        report.errors.forEach { out.println("  the office refused job ${it.ticketId}: ${it.message} (${it.code})") }
    }

    private fun printStatus() {
        val state = sync.state.value
        val status = state.status ?: return
        out.println("user: ${state.user?.let { "${it.user} (${it.role.name.lowercase()})" } ?: "not enrolled"}")
        out.println("last sync: ${status.lastSyncAt?.let(::time) ?: "never"}")
        out.println("changes not yet received by the office: ${status.unconfirmedChanges} (in ${status.unconfirmedTickets} job(s))")
        out.println("photos waiting to upload: ${status.blobsWaiting}")
        status.lastError?.let { out.println("last sync failed: $it") }
    }
}
