package org.fieldledger.demo.ui

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import org.fieldledger.TicketSummary
import org.fieldledger.demo.data.JobRepository

/** The "my jobs" screen: the jobs on this phone, most recently changed first. */
class JobsViewModel(private val jobs: JobRepository, scope: CoroutineScope) :
    ViewModel<List<TicketSummary>>(emptyList(), scope) {
    /** Reloads the list. */
    fun refresh(): Job = launchAction {
        val list = jobs.jobs()
        update { list }
    }
}
