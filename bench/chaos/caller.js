// The load of bench/chaos.sh: CONCURRENCY grpc-js callers, each calling METHOD back to back until DURATION_MS has
// passed, every call with a deadline, spread over a few channels (as a service's client pool would be).
// Usage: node caller.js '{"target":"127.0.0.1:PORT","method":"/users.v1.UserService/CreateUser","concurrency":32,
//                          "durationMs":15000,"deadlineMs":5000,"channels":4}'
// Prints one JSON line: {calls, ok, failed: {CODE_NAME: n}, successPercent, p50Ms, p99Ms, maxMs, failedDetails}.
'use strict';
const { load } = require('../../tests/node/sidecar/protos');
const { grpc, services } = load();

const o = JSON.parse(process.argv[2]);
const concurrency = o.concurrency || 32;
const channels = o.channels || 4;
const deadlineMs = o.deadlineMs || 5000;

function findMethod(path) {
  for (const service of services) {
    for (const method of Object.values(service.definition)) {
      if (method.path === path) { return method; }
    }
  }
  throw new Error(`unknown method ${path}`);
}

const method = findMethod(o.method);
const codeNames = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
const clients = Array.from({ length: channels }, () =>
  new grpc.Client(o.target, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 }));

let calls = 0;
let ok = 0;
const failed = {};
const details = {};
const latencies = [];
const end = Date.now() + o.durationMs;

function one(client) {
  return new Promise(resolve => {
    const started = process.hrtime.bigint();
    const md = new grpc.Metadata();
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, {}, md,
      { deadline: new Date(Date.now() + deadlineMs) }, err => {
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        calls++;
        if (!err) {
          ok++;
        } else {
          const code = codeNames[err.code] || String(err.code);
          failed[code] = (failed[code] || 0) + 1;
          // The client's own timing notes (after 5.002s, LB pick: ...) would make every failure a line of its own.
          const key = `${code}: ${String(err.details).replace(/ after [0-9.]+s.*$/, '')}`;
          details[key] = (details[key] || 0) + 1;
        }
        resolve();
      });
  });
}

async function worker(i) {
  const client = clients[i % channels];
  while (Date.now() < end) {
    await one(client);
  }
}

async function main() {
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  for (const c of clients) { c.close(); }
  latencies.sort((a, b) => a - b);
  const at = p => latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]) : 0;
  process.stdout.write(JSON.stringify({
    calls, ok, failed,
    successPercent: calls ? Math.floor(ok / calls * 1e6) / 1e4 : 0,
    p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), failedDetails: details,
  }) + '\n');
}

main().catch(err => { console.error(err); process.exit(1); });
