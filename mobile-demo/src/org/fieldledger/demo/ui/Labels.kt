package org.fieldledger.demo.ui

import org.fieldledger.DecisionEntry
import org.fieldledger.Disposition
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter

/** How the app names a disposition on screen and in commands. */
val Disposition.label: String
    get() = when (this) {
        Disposition.REPAIR_ON_SITE -> "repair on site"
        Disposition.REPLACE -> "replace"
        Disposition.RETURN_TO_FACTORY -> "return to factory"
        Disposition.NO_FAULT_FOUND -> "no fault found"
    }

/** The disposition a command word names: repair, replace, return or no-fault. */
fun dispositionNamed(word: String): Disposition? = when (word.trim().lowercase()) {
    "repair" -> Disposition.REPAIR_ON_SITE
    "replace" -> Disposition.REPLACE
    "return" -> Disposition.RETURN_TO_FACTORY
    "no-fault" -> Disposition.NO_FAULT_FOUND
    else -> null
}

private val clock = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC)

/** A device time (milliseconds) as the screen shows it. */
fun time(millis: Long): String = clock.format(Instant.ofEpochMilli(millis))

/** One disposition entry as a line. */
fun DecisionEntry.line(): String =
    "${disposition.label} by $by (${role.name.lowercase()}) at ${time(recordedAt)}: $rationale"
