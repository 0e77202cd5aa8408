// Subscribes with the reference graphql-ws client and prints what happens as JSON lines on stdout:
//   {"kind":"connected"} {"kind":"next","payload":{...}} {"kind":"error","errors":[...]}
//   {"kind":"complete"} {"kind":"closed","code":4403,"reason":"..."}
// Usage: node --experimental-websocket subscribe.mjs <ws url> <connectionParams json> <query> [variables json]
import { createClient } from "graphql-ws";

const [url, params, query, variables] = process.argv.slice(2);
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const client = createClient({
  url,
  webSocketImpl: globalThis.WebSocket,
  connectionParams: JSON.parse(params),
  lazy: false,
  retryAttempts: 0,
  on: {
    connected: () => print({ kind: "connected" }),
    closed: (event) => {
      print({ kind: "closed", code: event.code, reason: event.reason });
      process.exit(0);
    },
  },
  onNonLazyError: () => {},
});

client.subscribe(
  { query, variables: variables ? JSON.parse(variables) : {} },
  {
    next: (payload) => print({ kind: "next", payload }),
    error: (error) => {
      // A close event arrives here too (and through `closed`); GraphQL errors arrive as an array.
      if (Array.isArray(error)) print({ kind: "error", errors: error });
    },
    complete: () => print({ kind: "complete" }),
  },
);
