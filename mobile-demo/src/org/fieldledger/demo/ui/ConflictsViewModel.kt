package org.fieldledger.demo.ui

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import org.fieldledger.DecisionConflict
import org.fieldledger.DecisionEntry
import org.fieldledger.Disposition
import org.fieldledger.FieldConflict
import org.fieldledger.TicketId
import org.fieldledger.demo.data.JobRepository

/** What the conflicts screen shows for one job. */
data class ConflictsState(
    val decisionConflict: DecisionConflict? = null,
    val disposition: Disposition? = null,
    val decisions: List<DecisionEntry> = emptyList(),
    val fieldConflicts: List<FieldConflict> = emptyList(),
)

/** The conflicts screen: disagreeing dispositions and fields with concurrent values. */
class ConflictsViewModel(private val jobs: JobRepository, scope: CoroutineScope) :
    ViewModel<ConflictsState>(ConflictsState(), scope) {
    /** Loads the conflicts of [ticket]. */
    fun load(ticket: TicketId): Job = launchAction {
        val detail = jobs.detail(ticket)
        val conflict = jobs.decisionConflict(ticket)
        val fields = jobs.fieldConflicts(ticket)
        update { ConflictsState(conflict, detail.disposition, detail.view.decisions.entries, fields) }
    }
}
