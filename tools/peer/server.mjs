// The automerge-repo sync server that fieldledger is measured against.
//
//   node server.mjs seed DATA_DIR WORKLOAD_DIR   stores the workload's documents in DATA_DIR, exits
//   node server.mjs serve DATA_DIR PORT          serves DATA_DIR over websockets on 127.0.0.1:PORT
//
// Serving prints "listening" once the port is open. The server announces nothing of its own
// accord (as automerge-repo's sync-server does) and gives every peer the documents it asks for.
// Storage is NodeFSStorageAdapter: one file per chunk, written with fs.writeFile (no fsync).
import * as Automerge from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { createHash } from "node:crypto";
import { WebSocketServer } from "ws";
import { Tally } from "./tally.mjs";
import { documents } from "./workload.mjs";

const [command, dataDir, arg] = process.argv.slice(2);

// The adapter drops a client that has not answered a ping within this time (5 s by default).
// Clients whose event loop is busy loading their work answer late on a shared machine, and
// the reconnections that followed made the run measure reconnection storms.
const KEEP_ALIVE_MS = 120_000;

if (command === "seed") {
  // Each document is stored as a Repo stores a snapshot: under the hash of its heads
  // (storage/keyHash.js in automerge-repo), the same file an import through a Repo writes.
  // Importing through a Repo took about 50 ms a document here.
  const storage = new NodeFSStorageAdapter(dataDir);
  for (const [docId, bytes] of documents(arg)) {
    const heads = Automerge.getHeads(Automerge.load(bytes));
    const key = createHash("sha256").update(heads.join("")).digest("hex");
    await storage.save([docId, "snapshot", key], bytes);
  }
  process.exit(0);
} else if (command === "serve") {
  // automerge-repo 2.5.6 leaves a rejection unhandled when a document's handle is not ready
  // within 60 s of a peer asking for it (DocHandle.whenReady, awaited in
  // DocSynchronizer.beginSync), and Node ends a process on an unhandled rejection. On the large
  // workload the busy server met that after 11 minutes and ended. The peer is given its best
  // chance instead: it counts such rejections, reports them every minute, and keeps serving;
  // the document syncs when the client asks again.
  const rejections = new Tally();
  process.on("unhandledRejection", (reason) => rejections.add(String(reason?.message ?? reason)));
  setInterval(() => {
    if (!rejections.empty) console.error(`server: unhandled rejections: ${rejections}`);
    rejections.clear();
  }, 60_000).unref();
  const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(arg) });
  const repo = new Repo({
    network: [new NodeWSServerAdapter(wss, KEEP_ALIVE_MS)],
    storage: new NodeFSStorageAdapter(dataDir),
    shareConfig: { announce: async () => false, access: async () => true },
  });
  wss.on("listening", () => console.log("listening"));
  const stop = async () => {
    await repo.flush();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  console.error("usage: node server.mjs seed DATA_DIR WORKLOAD_DIR | serve DATA_DIR PORT");
  process.exit(2);
}
