package org.fieldledger.demo

import java.io.BufferedReader
import java.io.File
import java.io.PrintStream
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import org.fieldledger.DeviceStore
import org.fieldledger.FieldLedgerException
import org.fieldledger.demo.terminal.TerminalApp
import org.fieldledger.demo.ui.describe

/**
 * The technician app on a terminal.
 *
 *     mobile-demo [--store DIR] [--script FILE]
 *
 * Without `--script` it reads commands from the terminal (`help` lists them); with it, it runs
 * the file's commands one per line (blank lines and lines starting with '#' are skipped),
 * echoing each, and exits with 1 if any failed.
 */
fun main(args: Array<String>) {
    exitProcess(runApp(args.toList(), System.`in`.bufferedReader(), System.out))
}

/** Runs the app with [args], reading commands from [input] unless a script is given. */
fun runApp(args: List<String>, input: BufferedReader, out: PrintStream): Int {
    var storeDir = "./fieldledger-phone"
    var script: File? = null
    var i = 0
    while (i < args.size) {
        when (args[i]) {
            "--store" -> storeDir = args.getOrNull(++i) ?: return usage(out)
            "--script" -> script = File(args.getOrNull(++i) ?: return usage(out))
            else -> return usage(out)
        }
        i++
    }
    val store = try {
        DeviceStore.open(storeDir)
    } catch (e: FieldLedgerException) {
        out.println("! cannot open the store in $storeDir: ${describe(e)}")
        return 2
    }
    var failures = 0
    runBlocking {
        val app = TerminalApp(store, out, this)
        val lines = script?.readLines()?.asSequence() ?: generateSequence { out.print("> "); out.flush(); input.readLine() }
        for (line in lines) {
            val command = line.trim()
            if (command.isEmpty() || command.startsWith("#")) continue
            if (command == "quit") break
            if (script != null) out.println("> $command")
            val ok = try {
                app.run(command)
            } catch (e: TerminalApp.Usage) {
                out.println("! ${e.message}")
                false
            }
            if (!ok) failures++
        }
    }
    try {
        store.closeStore()
    } catch (e: FieldLedgerException) {
        out.println("! ${describe(e)}")
        failures++
    }
    return if (script != null && failures > 0) 1 else 0
}

private fun usage(out: PrintStream): Int {
    out.println("usage: mobile-demo [--store DIR] [--script FILE]")
    return 2
}
