package org.fieldledger.demo.ui

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import org.fieldledger.Author
import org.fieldledger.SyncCancel
import org.fieldledger.SyncProgress
import org.fieldledger.SyncReport
import org.fieldledger.SyncStatus
import org.fieldledger.demo.data.SyncRepository

/** What the sync screen shows. */
data class SyncState(
    val user: Author? = null,
    val running: Boolean = false,
    val rounds: Int = 0,
    val report: SyncReport? = null,
    val status: SyncStatus? = null,
)

/** The sync screen: enrol, sync now (with progress, cancellable), sync status. */
class SyncViewModel(private val sync: SyncRepository, scope: CoroutineScope) : ViewModel<SyncState>(SyncState(), scope) {
    private var cancel = SyncCancel()

    /** Loads who works on this phone and the sync status. */
    fun refresh(): Job = launchAction {
        val user = sync.user()
        val status = sync.status()
        update { it.copy(user = user, status = status) }
    }

    /** Enrols this phone with the office at [server] using a device [token]. */
    fun enrol(server: String, token: String): Job = launchAction {
        val user = sync.enrol(server, token)
        update { it.copy(user = user) }
    }

    /** Enrols this phone from an enrolment [link], as scanned from the office dashboard. */
    fun enrolLink(link: String): Job = launchAction {
        val user = sync.enrolLink(link)
        update { it.copy(user = user) }
    }

    /** Syncs now; progress updates the state as rounds are answered. */
    fun syncNow(): Job {
        cancel = SyncCancel()
        val progress = object : SyncProgress {
            override fun roundAnswered(round: UInt, tickets: UInt) = update { it.copy(rounds = round.toInt()) }
            override fun blobUploading(sha256: String, sent: ULong, total: ULong) {}
        }
        update { it.copy(running = true, rounds = 0, report = null) }
        return launchAction {
            try {
                val report = sync.sync(progress, cancel)
                update { it.copy(report = report) }
            } finally {
                val status = sync.status()
                update { it.copy(running = false, status = status) }
            }
        }
    }

    /** Stops a running sync before its next round. */
    fun cancelSync() = cancel.cancel()
}
