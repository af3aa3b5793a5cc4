// Plays clients FIRST..FIRST+COUNT-1 of a workload against the automerge-repo sync server.
//
//   node client.mjs URL WORKLOAD_DIR FIRST COUNT
//
// Each client is its own Repo (in memory, as a device holds its documents) with its own
// websocket. The clients are spread over worker threads (client-worker.mjs) of at most
// DOCUMENTS_PER_WORKER documents each: V8's major garbage collection walks a thread's whole
// heap, so one heap holding thousands of document handles makes every further import slower.
// Before the run each client takes the office's documents and its own offline changes (the
// bytes fieldledger-compare generated), then the process prints "ready". On a line "go" on
// stdin every client connects; when every client holds the expected heads of all its
// documents the process prints "converged"; until then it tells on stderr every minute how many
// documents have, and the network errors its clients rode out.
import { Worker } from "node:worker_threads";
import { createInterface } from "node:readline";
import { Tally } from "./tally.mjs";
import { clientWork, documents } from "./workload.mjs";

/** The most documents one worker thread loads (about 5 ms each on a fresh heap). */
const DOCUMENTS_PER_WORKER = 2000;

/** How often a run that has not converged tells how far it got. */
const PROGRESS_MS = 60_000;

const [url, dir, first, count] = process.argv.slice(2);

/** Each worker's clients, every client a list of its documents' work. */
function spread() {
  const groups = [[]];
  let inGroup = 0;
  for (let c = Number(first); c < Number(first) + Number(count); c++) {
    const work = clientWork(dir, c);
    if (inGroup > 0 && inGroup + work.length > DOCUMENTS_PER_WORKER) {
      groups.push([]);
      inGroup = 0;
    }
    groups.at(-1).push(work);
    inGroup += work.length;
  }
  return groups;
}

/**
 * Starts a worker for `clients`, giving it its own copy of each document it needs (a subarray
 * sent as it is would copy the whole file it was read from).
 */
function start(clients, docs) {
  const transfer = [];
  const own = (bytes) => {
    const copy = new Uint8Array(bytes);
    transfer.push(copy.buffer);
    return copy;
  };
  const work = clients.map((shares) =>
    shares.map(({ docId, changes, heads }) => ({
      docId,
      doc: own(docs.get(docId)),
      changes: own(changes),
      heads,
    })),
  );
  const worker = new Worker(new URL("./client-worker.mjs", import.meta.url), {
    workerData: { url, clients: work },
    transferList: transfer,
  });
  worker.on("error", (error) => {
    console.error(`client worker: ${error.stack ?? error}`);
    process.exit(1);
  });
  worker.on("exit", (code) => {
    if (code !== 0) {
      console.error(`client worker exited with ${code}`);
      process.exit(1);
    }
  });
  return worker;
}

let total = 0;
const workers = (() => {
  const docs = documents(dir);
  return spread().map((clients) => {
    total += clients.reduce((n, work) => n + work.length, 0);
    return start(clients, docs);
  });
})();

let loaded = 0;
let converged = 0;
const networkErrors = new Tally();
await new Promise((allLoaded) => {
  for (const worker of workers) {
    worker.on("message", (message) => {
      if (message === "ready" && ++loaded === workers.length) allLoaded();
      if (message === "document" && ++converged === total) console.log("converged");
      if (message?.networkError) networkErrors.add(message.networkError);
    });
  }
});
console.log("ready");

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "go") {
    const started = Date.now();
    for (const worker of workers) worker.postMessage("go");
    const progress = setInterval(() => {
      if (converged === total) return clearInterval(progress);
      const seconds = Math.round((Date.now() - started) / 1000);
      console.error(
        `clients from ${first}: ${converged} of ${total} documents converged after ${seconds} s; ` +
          `network errors ridden out: ${networkErrors}`,
      );
    }, PROGRESS_MS);
  }
});
lines.on("close", () => process.exit(0));
