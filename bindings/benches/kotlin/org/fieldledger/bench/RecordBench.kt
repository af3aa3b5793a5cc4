package org.fieldledger.bench

import java.lang.management.ManagementFactory
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldledger.DeviceStore
import org.fieldledger.IntakeSource
import org.fieldledger.Measurement
import org.fieldledger.Registration
import org.fieldledger.TicketKind
import org.fieldledger.Work
import org.fieldledger.testkit.Office

/** Calls made before timing starts, as in `bindings/benches/record.rs`. */
private const val WARM_UP = 2_000

/** Calls timed, as in `bindings/benches/record.rs`. */
private const val SAMPLES = 2_000

/**
 * The cost of recording one on-site action from Kotlin through the bindings (JNA), to compare
 * with the same action recorded from Rust (`bindings/benches/record.rs`): a fresh store, one
 * registered ticket, one visit, then the same warm-up and timed work-log steps; prints the
 * medians of the single-call times: the calling thread's CPU time (what the call costs, whatever
 * else the machine and the JVM's own threads do) and the wall-clock time. The office server is
 * needed only to enrol the store.
 */
fun main() {
    val dir = Files.createTempDirectory("fieldledger-bench-")
    val store = DeviceStore.open(dir.toString())
    Office().use { office -> runBlocking { store.enrol(office.url, office.token("tech.zhang").second) } }
    val ticket = store.register(
        Registration(
            kind = TicketKind.COMMISSIONING, complaint = false, productName = "KYN28A-12 switchgear",
            model = "", jobNumber = "", contractNumber = "", customerName = "Bench Substation",
            contactPerson = "", contactMethod = "", content = "Commissioning of a new panel.",
            requests = "", source = IntakeSource.CUSTOMER, salesRepresentative = null, salesRep = null,
            major = false,
        ),
    )
    val visit = store.arrive(ticket, null, "bay 1")
    val threads = ManagementFactory.getThreadMXBean()
    val cpu = LongArray(SAMPLES)
    val wall = LongArray(SAMPLES)
    for (i in 0 until WARM_UP + SAMPLES) {
        val work = Work.Step("insulation test $i", listOf(Measurement("insulation resistance A-PE", 2_500.0, "MΩ")))
        val cpuStart = threads.currentThreadCpuTime
        val wallStart = System.nanoTime()
        visit.logWork(work)
        if (i >= WARM_UP) {
            cpu[i - WARM_UP] = threads.currentThreadCpuTime - cpuStart
            wall[i - WARM_UP] = System.nanoTime() - wallStart
        }
    }
    println("kotlin: record one action: median %.1f µs CPU, %.1f µs wall over $SAMPLES calls".format(medianMicros(cpu), medianMicros(wall)))
    store.closeStore()
    dir.toFile().deleteRecursively()
}

private fun medianMicros(nanos: LongArray): Double = nanos.sorted()[nanos.size / 2] / 1_000.0
