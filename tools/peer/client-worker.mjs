// One worker thread of client.mjs: plays the clients in `workerData.clients`, each its own Repo
// (in memory) that connects to `workerData.url` on the message "go". Posts "ready" once every
// client has loaded its documents and offline changes, then "document" as each document comes
// to hold its expected heads, and `{ networkError }` for each network error ridden out.
import * as Automerge from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { parentPort, workerData } from "node:worker_threads";

// The websocket adapter keeps trying to connect a client until it is open, but a connection
// error on the way (its handler rethrows all but ECONNREFUSED) escapes as an unhandled 'error'
// event. It is a network error to ride out, as a device would, not a reason to stop the client.
// So is a refused handshake: a Node server whose event loop was busy for a minute answers an
// upgrade request it has not read in time with 408 (`headersTimeout`, `requestTimeout`), and
// ws reports "Unexpected server response: 408".
const NETWORK_ERRORS = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE"]);
const REFUSED_HANDSHAKE = /^Unexpected server response: \d+$/;
process.on("uncaughtException", (error) => {
  const what = NETWORK_ERRORS.has(error.code) ? error.code : REFUSED_HANDSHAKE.exec(error.message)?.[0];
  if (what === undefined) throw error;
  parentPort.postMessage({ networkError: what });
});

const { url, clients } = workerData;
const repos = [];

for (const work of clients) {
  const repo = new Repo({ network: [], shareConfig: { announce: async () => true, access: async () => true } });
  for (const { docId, doc, changes, heads } of work) {
    const handle = repo.import(doc, { docId });
    handle.update((d) => Automerge.loadIncremental(d, changes));
    const expected = heads.join();
    let done = false;
    const check = () => {
      if (!done && Automerge.getHeads(handle.doc()).sort().join() === expected) {
        done = true;
        handle.off("change", check);
        parentPort.postMessage("document");
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
