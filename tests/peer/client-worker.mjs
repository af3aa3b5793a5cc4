// One worker thread of client.mjs: plays the clients in `workerData.clients`, each its own Repo
// (in memory) that connects to `workerData.url` on the message "go". Posts "ready" once every
// client has loaded its documents and offline changes, and "converged" once every document
// holds its expected heads.
import * as Automerge from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { parentPort, workerData } from "node:worker_threads";

// The websocket adapter reconnects a dropped client, but a connection error during its
// reconnection escapes as an unhandled 'error' event; it is a network error to ride out, as a
// device would, not a reason to stop the client.
const NETWORK_ERRORS = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE"]);
process.on("uncaughtException", (error) => {
  if (!NETWORK_ERRORS.has(error.code)) throw error;
  console.error(`client: ${error.code}, reconnecting`);
});

const { url, clients } = workerData;
const repos = [];
let pending = 0;

for (const work of clients) {
  const repo = new Repo({ network: [], shareConfig: { announce: async () => true, access: async () => true } });
  for (const { docId, doc, changes, heads } of work) {
    const handle = repo.import(doc, { docId });
    handle.update((d) => Automerge.loadIncremental(d, changes));
    pending++;
    const expected = heads.join();
    let done = false;
    const check = () => {
      if (!done && Automerge.getHeads(handle.doc()).sort().join() === expected) {
        done = true;
        handle.off("change", check);
        if (--pending === 0) parentPort.postMessage("converged");
      }
    };
    handle.on("change", check);
  }
  repos.push(repo);
}
parentPort.postMessage("ready");

parentPort.on("message", (message) => {
  if (message === "go") {
    for (const repo of repos) {
      repo.networkSubsystem.addNetworkAdapter(new WebSocketClientAdapter(url));
    }
  }
});
