package org.fieldledger.testkit

import java.io.IOException
import java.net.InetAddress
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * A real fieldledger-server on a free loopback port, in a temporary data directory, with a
 * service desk, a supervisor, two technicians and an administrator created through its admin
 * commands. The binary is `$FIELDLEDGER_SERVER` (scripts/test-bindings sets it).
 */
class Office(
    private val server: String = System.getenv("FIELDLEDGER_SERVER") ?: "target/debug/fieldledger-server",
) : AutoCloseable {
    /** The server's data directory. */
    val data: Path = Files.createTempDirectory("fieldledger-office-")

    /** The server's base URL. */
    val url: String

    /** An API token of the service desk, desk.wang. */
    val desk: String

    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
    private val process: Process

    init {
        for ((user, role) in USERS) admin("user", "add", user, "--name", user, "--role", role)
        val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        url = "http://127.0.0.1:$port"
        process = ProcessBuilder(server, "--data-dir", "$data", "serve", "--listen", "127.0.0.1:$port")
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("server.log").toFile())
            .start()
        Runtime.getRuntime().addShutdownHook(Thread { process.destroy() })
        waitUntilUp()
        desk = token("desk.wang").second
    }

    private fun waitUntilUp() {
        val deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos()
        while (true) {
            try {
                if (call("GET", "/healthz", "").first == 200) return
            } catch (e: IOException) {
                check(process.isAlive && System.nanoTime() < deadline) { "fieldledger-server did not start: $e" }
            }
            Thread.sleep(100)
        }
    }

    /**
     * Runs an admin command of the server on its data directory; returns what it printed on
     * standard output (its log lines, such as the security log's, go to standard error).
     */
    fun admin(vararg args: String): String {
        val errors = Files.createTempFile("fieldledger-admin-", ".log").toFile()
        val command = ProcessBuilder(listOf(server, "--data-dir", "$data") + args).redirectError(errors).start()
        val out = command.inputStream.bufferedReader().readText()
        check(command.waitFor() == 0) { "fieldledger-server ${args.joinToString(" ")}: $out${errors.readText()}" }
        errors.delete()
        return out
    }

    /** Enrols a device for [user]; returns its device id and token. */
    fun token(user: String): Pair<String, String> {
        val lines = admin("device", "enrol", user).trim().lines()
        return lines.first().split(" ")[1] to lines.last().substringAfter(": ").trim()
    }

    /** An API token of the administrator, it.admin, made when first asked for. */
    private val administrator: String by lazy { token("it.admin").second }

    /**
     * Enrols a device for [user] as the dashboard does (`POST /v1/devices`, by the administrator);
     * returns the enrolment link the server answers, `<url>/enrol#token=<token>`.
     */
    fun enrolmentLink(user: String, label: String = "$user's phone"): String {
        val (status, body) = call("POST", "/v1/devices", administrator, """{"user":"$user","label":"$label"}""")
        check(status == 201) { "enrolling a device for $user: $status $body" }
        return field(body, "link") ?: error("no link in $body")
    }

    /** A call to the office API with [token]; returns the status and the body. */
    fun call(method: String, path: String, token: String, json: String? = null): Pair<Int, String> {
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer $token")
            .header("Content-Type", "application/json")
            .method(method, json?.let { HttpRequest.BodyPublishers.ofString(it) } ?: HttpRequest.BodyPublishers.noBody())
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to response.body()
    }

    /** The desk registers a complaint and sends [assignees] there; returns the ticket and order ids. */
    fun deskTicket(assignees: List<String>): Pair<String, String> {
        val (status, body) = call("POST", "/v1/tickets", desk, REGISTRATION)
        check(status == 201) { body }
        val ticket = field(body, "ticket_id") ?: error("no ticket id in $body")
        val names = assignees.joinToString(",") { "\"$it\"" }
        val order = """{"op":"issue_travel_order","number":"CC-2026-0401","kind":"on_site_service",
            "issuing_department":"technical_service","assignees":[$names]}"""
        val (orderStatus, orderBody) = call("POST", "/v1/tickets/$ticket/operations", desk, order)
        check(orderStatus == 200) { orderBody }
        return ticket to (field(orderBody, "entry") ?: error("no order id in $orderBody"))
    }

    override fun close() {
        process.destroy()
        process.waitFor()
        data.toFile().deleteRecursively()
    }

    companion object {
        /** The office's people and their roles. */
        val USERS = listOf(
            "desk.wang" to "service_desk",
            "sup.chen" to "supervisor",
            "tech.zhang" to "technician",
            "tech.li" to "technician",
            "it.admin" to "admin",
        )

        private const val REGISTRATION = """{"kind":"complaint","complaint":true,
            "product_name":"ZN63 vacuum circuit breaker","model":"ZN63-12/1250-31.5",
            "job_number":"J2026-0401","contract_number":"HT-2026-041","customer_name":"Cangzhou Water",
            "contact_person":"Liu","contact_method":"0311-1234",
            "content":"Breaker trips without fault indication.","requests":"Visit this week",
            "source":"customer","major":false}"""

        /** The first string value of [key] in the JSON text [json]. */
        fun field(json: String, key: String): String? =
            Regex("\"${Regex.escape(key)}\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1)
    }
}
