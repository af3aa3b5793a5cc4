package org.fieldledger.demo.ui

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.fieldledger.FieldLedgerException

/**
 * The presentation layer's base, shaped like an Android `ViewModel`: a state flow that the
 * screen renders, and actions launched in the screen's scope (`viewModelScope` on Android).
 * A failed action leaves the state as it was and sets [error], in words for the technician.
 */
abstract class ViewModel<S>(initial: S, protected val scope: CoroutineScope) {
    private val mutable = MutableStateFlow(initial)

    /** What the screen shows. */
    val state: StateFlow<S> = mutable.asStateFlow()

    private val mutableError = MutableStateFlow<String?>(null)

    /** The last action's failure, or null when it succeeded. */
    val error: StateFlow<String?> = mutableError.asStateFlow()

    /** Replaces the state. */
    protected fun update(change: (S) -> S) {
        mutable.value = change(mutable.value)
    }

    /** Runs [action] in the screen's scope; its exception becomes [error]. */
    protected fun launchAction(action: suspend () -> Unit): Job = scope.launch {
        mutableError.value = null
        try {
            action()
        } catch (e: FieldLedgerException) {
            mutableError.value = describe(e)
        }
    }
}

/** An exception of the bindings in words for the technician. */
fun describe(e: FieldLedgerException): String = when (e) {
    is FieldLedgerException.NotEnrolled -> "this phone is not enrolled yet: enrol first"
    is FieldLedgerException.Offline -> "the office cannot be reached; your work is kept on this phone (${e.reason})"
    is FieldLedgerException.Unauthorized -> "the office no longer accepts this phone: enrol again (${e.reason})"
    is FieldLedgerException.ServerRejected -> "the office refused: ${e.reason} (${e.code})"
    is FieldLedgerException.Forbidden -> "not allowed: ${e.reason}"
    is FieldLedgerException.Invalid -> "invalid: ${e.reason}"
    is FieldLedgerException.UnknownTicket -> "no such job on this phone"
    is FieldLedgerException.Storage -> "the phone's storage failed: ${e.reason}"
    is FieldLedgerException.Closed -> "the store is closed"
    is FieldLedgerException.Cancelled -> "sync cancelled"
}
