package org.fieldledger.demo

import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.nio.file.Files
import java.nio.file.Path
import kotlin.system.exitProcess
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import org.fieldledger.testkit.Office
import org.fieldledger.testkit.runTests

/**
 * The acceptance test of the technician app: two instances of mobile-demo, each with its own
 * device store, driven by scripts as two technicians against a real fieldledger-server.
 */
private class Phone(private val office: Office, private val user: String) {
    val dir: Path = Files.createTempDirectory("fieldledger-phone-")

    /** Runs [commands] as a script in this phone's app; returns what the app printed. */
    fun run(vararg commands: String): String {
        val script = Files.createTempFile(dir, "script", ".txt")
        Files.write(script, commands.toList())
        val printed = ByteArrayOutputStream()
        val status = runApp(listOf("--store", "$dir/store", "--script", "$script"), "".reader().buffered(), PrintStream(printed, true, "UTF-8"))
        val text = printed.toString("UTF-8")
        println(text.prependIndent("    $user | "))
        assertEquals(0, status, "$user's script failed")
        return text
    }

    fun enrol() = run("enrol ${office.url} | ${office.token(user).second}", "sync", "jobs")

    /** Enrols with the link an administrator made on the dashboard, as from its QR code. */
    fun enrolByLink() = run("enrol ${office.enrolmentLink(user)}", "sync", "jobs")
}

private fun assertShows(text: String, vararg expected: String) {
    for (line in expected) assertTrue(text.contains(line), "expected the app to show \"$line\"")
}

private fun twoTechniciansDecideApartAndASupervisorResolves(office: Office) {
    val (ticket, _) = office.deskTicket(listOf("tech.zhang", "tech.li"))
    val zhang = Phone(office, "tech.zhang")
    val li = Phone(office, "tech.li")
    assertShows(zhang.enrol(), "enrolled as tech.zhang (technician)", "1. KS-", "Cangzhou Water")
    assertShows(li.enrol(), "enrolled as tech.li (technician)", "Cangzhou Water")

    // Both work on the job without syncing, as at a substation with no network.
    val photo = Files.write(zhang.dir.resolve("panel.jpg"), "a photo of the panel".toByteArray())
    assertShows(
        zhang.run(
            "open $ticket",
            "arrive Substation 3, bay 2",
            "step Insulation test | insulation A-PE = 2500 MΩ",
            "part-used VI-12 | 1 | vacuum interrupter",
            "photo $photo | panel before repair",
            "decide repair | contacts worn, repair on site",
            "sign-off Liu | shift lead | Work seen and accepted",
            "show",
            "status",
        ),
        "✓ decided: repair on site", "step: Insulation test [insulation A-PE = 2500.0 MΩ]",
        "part used: VI-12 ×1 vacuum interrupter", "photo: panel before repair (image/jpeg, 20 bytes)",
        "decision: repair on site by tech.zhang (technician)", "signed off by Liu (shift lead)",
        "changes not yet received by the office: 6", "photos waiting to upload: 1",
    )
    li.run("open $ticket", "arrive Substation 3, bay 2", "repair Checked the mechanism", "decide replace | interrupter cracked, replace the unit")

    for (phone in listOf(zhang, li, zhang)) phone.run("sync")
    for (phone in listOf(zhang, li)) {
        assertShows(
            phone.run("open $ticket", "conflicts", "status"),
            "decision conflict between 2 entries:",
            "repair on site by tech.zhang (technician)",
            "replace by tech.li (technician)",
            "changes not yet received by the office: 0",
            "photos waiting to upload: 0",
        )
    }
    val (status, detail) = office.call("GET", "/v1/tickets/$ticket", office.desk)
    assertEquals(200, status, detail)
    val conflict = detail.substringAfter("\"decision_conflict\":{\"entries\":", "").substringBefore("\"field_conflicts\"")
    assertTrue(conflict.contains("\"repair_on_site\"") && conflict.contains("\"replace\""), "the office shows both entries: $detail")
    assertTrue(office.call("GET", "/v1/ledger", office.desk).second.contains("\"decision_conflict\":true"))

    val supervisor = office.token("sup.chen").second
    val resolve = """{"op":"decide","disposition":"return_to_factory","rationale":"Send the unit to the factory for analysis"}"""
    val (resolved, body) = office.call("POST", "/v1/tickets/$ticket/operations", supervisor, resolve)
    assertEquals(200, resolved, body)
    assertTrue(office.call("GET", "/v1/ledger", office.desk).second.contains("\"decision_conflict\":false"))

    for (phone in listOf(zhang, li)) {
        assertShows(
            phone.run("sync", "jobs", "open $ticket", "conflicts"),
            "[decided: return to factory]",
            "no decision conflict; disposition: return to factory (decided by sup.chen, supervisor)",
            "decision entries: 3",
        )
    }
}

private fun aTechnicianEnrolsFromTheDashboardsLinkAndSyncs(office: Office) {
    val (ticket, _) = office.deskTicket(listOf("tech.li"))
    val phone = Phone(office, "tech.li")
    assertShows(phone.enrolByLink(), "enrolled as tech.li (technician)", "Cangzhou Water")
    assertShows(phone.run("open $ticket", "arrive Pump station 2", "sync", "status"), "changes not yet received by the office: 0")
}

fun main() {
    val failed = Office().use { office ->
        runTests(
            "mobile-demo",
            listOf(
                "two technicians decide apart, both see the conflict, a supervisor resolves it" to { twoTechniciansDecideApartAndASupervisorResolves(office) },
                "a technician enrols from the dashboard's link and syncs" to { aTechnicianEnrolsFromTheDashboardsLinkAndSyncs(office) },
            ),
        )
    }
    exitProcess(if (failed == 0) 0 else 1)
}
