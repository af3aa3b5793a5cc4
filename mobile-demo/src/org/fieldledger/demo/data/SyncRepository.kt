package org.fieldledger.demo.data

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.withContext
import org.fieldledger.Author
import org.fieldledger.DeviceStore
import org.fieldledger.SyncCancel
import org.fieldledger.SyncProgress
import org.fieldledger.SyncReport
import org.fieldledger.SyncStatus

/** Enrolment and sync with the office (the data layer of the app). */
class SyncRepository(private val store: DeviceStore, private val io: CoroutineDispatcher) {
    /** Who works on this device, or null before enrolment. */
    suspend fun user(): Author? = withContext(io) { store.user() }

    /** Enrols this device with the office; returns the user the token belongs to. */
    suspend fun enrol(server: String, token: String): Author = store.enrol(server, token)

    /** Enrols this device from an enrolment link (`<server>/enrol#token=<token>`, as the office
     * dashboard's QR code holds it); returns the user the token belongs to. */
    suspend fun enrolLink(link: String): Author = store.enrolLink(link)

    /** Syncs now; the bindings run it off this thread, so this only suspends. */
    suspend fun sync(progress: SyncProgress, cancel: SyncCancel): SyncReport = store.sync(progress, cancel)

    /** How far this device is in step with the office. */
    suspend fun status(): SyncStatus = withContext(io) { store.syncStatus() }
}
