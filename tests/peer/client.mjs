// Plays clients FIRST..FIRST+COUNT-1 of a workload against the automerge-repo sync server.
//
//   node client.mjs URL WORKLOAD_DIR FIRST COUNT
//
// Each client is its own Repo (in memory, as a device holds its documents) with its own
// websocket. Before the run each client takes the office's documents and its own offline
// changes (the bytes fieldledger-compare generated), then prints "ready". On a line "go" on
// stdin every client connects; when every client holds the expected heads of all its documents
// the process prints "converged".
import * as Automerge from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { createInterface } from "node:readline";
import { clientWork, documents } from "./workload.mjs";

const [url, dir, first, count] = process.argv.slice(2);

// The websocket adapter reconnects a dropped client, but a connection error during its
// reconnection escapes as an unhandled 'error' event; it is a network error to ride out, as a
// device would, not a reason to stop the client.
const NETWORK_ERRORS = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE"]);
process.on("uncaughtException", (error) => {
  if (!NETWORK_ERRORS.has(error.code)) throw error;
  console.error(`client: ${error.code}, reconnecting`);
});
const docs = documents(dir);
const clients = [];
let pending = 0;

for (let c = Number(first); c < Number(first) + Number(count); c++) {
  const repo = new Repo({ network: [], shareConfig: { announce: async () => true, access: async () => true } });
  for (const { docId, changes, heads } of clientWork(dir, c)) {
    const handle = repo.import(docs.get(docId), { docId });
    handle.update((doc) => Automerge.loadIncremental(doc, changes));
    pending++;
    const expected = heads.join();
    let done = false;
    const check = () => {
      if (!done && Automerge.getHeads(handle.doc()).sort().join() === expected) {
        done = true;
        handle.off("change", check);
        if (--pending === 0) console.log("converged");
      }
    };
    handle.on("change", check);
  }
  clients.push(repo);
}
console.log("ready");

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "go") {
    for (const repo of clients) {
      repo.networkSubsystem.addNetworkAdapter(new WebSocketClientAdapter(url));
    }
  }
});
lines.on("close", () => process.exit(0));
