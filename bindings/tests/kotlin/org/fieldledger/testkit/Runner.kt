package org.fieldledger.testkit

/**
 * Runs each named test, prints its outcome and a closing `<suite>: N passed, M failed` line;
 * returns how many failed. A plain runner: kotlinc ships kotlin-test's assertions but no
 * JUnit launcher.
 */
fun runTests(suite: String, tests: List<Pair<String, () -> Unit>>): Int {
    var failed = 0
    for ((name, test) in tests) {
        try {
            test()
            println("ok     $suite: $name")
        } catch (e: Throwable) {
            failed++
            println("FAILED $suite: $name")
            e.printStackTrace(System.out)
        }
    }
    println("$suite: ${tests.size - failed} passed, $failed failed")
    return failed
}
