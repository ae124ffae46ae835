// A grpc-js backend for MeshProxy functional tests. Usage: node backend.js COUNT
// Serves every sample service on COUNT ports (server i is named b<i>), prints {"ports":[...]} once bound, then one
// JSON line per recorded event ({"cancelled":"ID"}). Every method is driven by request metadata:
//   x-fail: CODE [x-fail-message-bin: UTF-8 TEXT]  reply with that status before any message (a Trailers-Only reply)
//   x-sleep-ms: N                        wait N ms before replying (cancellation ends the wait)
//   x-stream-count: N                    server streams send N messages
//   x-record-cancel: ID                  print {"cancelled":"ID","by":"cancel"|"deadline"} when the call ends early
//   x-echo-bin: BYTES                    sent back as the trailer x-echo-bin, with grpc-status-details-bin
// Initial metadata carries x-backend (the server name), x-authority, x-forwarding-headers (any X-Forwarded-*/Forwarded/Via
// received) and x-deadline-left-ms (from grpc-timeout); trailers carry x-backend and x-inflight
// (calls in flight on that server when the reply was sent).
'use strict';
const { load } = require('./protos');
const { grpc, services } = load();

const count = Number(process.argv[2] || '1');
let inflight = 0;

function first(metadata, key) {
  const values = metadata.get(key);
  return values.length > 0 ? values[0] : undefined;
}

function trailers(name, call) {
  const md = new grpc.Metadata();
  md.set('x-backend', name);
  md.set('x-inflight', String(inflight));
  const echo = first(call.metadata, 'x-echo-bin');
  if (echo !== undefined) {
    md.set('x-echo-bin', echo);
  }
  return md;
}

function msLeft(call) {
  const deadline = typeof call.getDeadline === 'function' ? call.getDeadline() : Infinity;
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(at) ? at - Date.now() : Infinity;
}

// A call ends early either by RST_STREAM (the 'cancelled' event) or by the deadline the proxy forwarded in
// grpc-timeout, which grpc-js enforces itself without a 'cancelled' event; both are recorded, with how.
function watchCancel(call) {
  const id = first(call.metadata, 'x-record-cancel');
  if (id === undefined) {
    return;
  }
  let recorded = false;
  const record = by => {
    if (!recorded) {
      recorded = true;
      process.stdout.write(JSON.stringify({ cancelled: String(id), by }) + '\n');
    }
  };
  call.on('cancelled', () => record('cancel'));
  const left = msLeft(call);
  if (Number.isFinite(left)) {
    setTimeout(() => record('deadline'), Math.max(0, left));
  }
}

function sleep(call) {
  const ms = Number(first(call.metadata, 'x-sleep-ms') || '0');
  if (ms <= 0) {
    return Promise.resolve(true);
  }
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(true), ms);
    call.on('cancelled', () => { clearTimeout(timer); resolve(false); });
  });
}

function failure(name, call) {
  const code = first(call.metadata, 'x-fail');
  if (code === undefined) {
    return null;
  }
  const md = trailers(name, call);
  if (first(call.metadata, 'x-echo-bin') !== undefined) {
    md.set('grpc-status-details-bin', first(call.metadata, 'x-echo-bin'));
  }
  const message = first(call.metadata, 'x-fail-message-bin');
  return { code: Number(code), details: message === undefined ? '' : message.toString('utf8'), metadata: md };
}

function headers(name, call) {
  const md = new grpc.Metadata();
  md.set('x-backend', name);
  md.set('x-authority', typeof call.getHost === 'function' ? String(call.getHost()) : '');
  const forwarded = Object.keys(call.metadata.getMap()).filter(k => k.startsWith('x-forwarded-') || k === 'forwarded' || k === 'via');
  md.set('x-forwarding-headers', forwarded.length > 0 ? forwarded.join(',') : 'none');
  const left = msLeft(call);
  md.set('x-deadline-left-ms', Number.isFinite(left) ? String(left) : 'none');
  return md;
}

function handler(name, method) {
  if (!method.requestStream && !method.responseStream) {
    return async (call, callback) => {
      inflight++;
      watchCancel(call);
      try {
        if (!(await sleep(call))) { return; }
        const fail = failure(name, call);
        if (fail) { return callback(fail); }
        call.sendMetadata(headers(name, call));
        callback(null, {}, trailers(name, call));
      } finally { inflight--; }
    };
  }
  if (!method.requestStream && method.responseStream) {
    return async call => {
      inflight++;
      watchCancel(call);
      try {
        if (!(await sleep(call))) { return; }
        const fail = failure(name, call);
        if (fail) { return call.emit('error', fail); }
        call.sendMetadata(headers(name, call));
        const n = Number(first(call.metadata, 'x-stream-count') || '1');
        for (let i = 0; i < n; i++) { call.write({}); }
        call.end(trailers(name, call));
      } finally { inflight--; }
    };
  }
  if (method.requestStream && !method.responseStream) {
    return (call, callback) => {
      inflight++;
      watchCancel(call);
      let received = 0;
      call.on('data', () => { received++; });
      call.on('end', async () => {
        try {
          if (!(await sleep(call))) { return; }
          const fail = failure(name, call);
          if (fail) { return callback(fail); }
          call.sendMetadata(headers(name, call));
          const md = trailers(name, call);
          md.set('x-received', String(received));
          callback(null, {}, md);
        } finally { inflight--; }
      });
    };
  }
  return call => {
    inflight++;
    watchCancel(call);
    const fail = failure(name, call);
    if (fail) { inflight--; return call.emit('error', fail); }
    call.sendMetadata(headers(name, call));
    call.on('data', message => call.write(message));
    call.on('end', () => { inflight--; call.end(trailers(name, call)); });
  };
}

async function main() {
  const ports = [];
  for (let i = 0; i < count; i++) {
    const name = `b${i}`;
    const server = new grpc.Server();
    for (const service of services) {
      const impl = {};
      for (const [methodName, method] of Object.entries(service.definition)) {
        impl[methodName] = handler(name, method);
      }
      server.addService(service.definition, impl);
    }
    const port = await new Promise((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => err ? reject(err) : resolve(p)));
    ports.push(port);
  }
  process.stdout.write(JSON.stringify({ ports }) + '\n');
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
main().catch(err => { console.error(err); process.exit(1); });
