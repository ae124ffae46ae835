// The upstream of bench/chaos.sh: one grpc-js server (the sample services of protos/) that can be told to break.
// Usage: node backend.js NAME. Prints {"name","grpc","control"} once bound (both loopback, dynamic ports).
// Control (HTTP on the control port): GET /mode/ok | /mode/unavailable | /mode/hang | /mode/slow?ms=N sets how every
// later call is answered (a hang never answers; the caller's deadline or a cancel ends it), GET /stats prints
// {"calls": N} (calls received since start). Dying is done from outside with SIGKILL.
'use strict';
const http = require('http');
const { load } = require('../../tests/node/sidecar/protos');
const { grpc, services } = load();

const name = process.argv[2] || 'b';
let mode = 'ok';
let slowMs = 0;
let calls = 0;

function answer(call, callback) {
  calls++;
  const md = new grpc.Metadata();
  md.set('x-backend', name);
  switch (mode) {
    case 'unavailable':
      return callback({ code: grpc.status.UNAVAILABLE, details: `${name} is unavailable`, metadata: md });
    case 'hang':
      return; // never answered: only a cancel or the deadline ends the call
    case 'slow': {
      const timer = setTimeout(() => { call.sendMetadata(md); callback(null, {}); }, slowMs);
      call.on('cancelled', () => clearTimeout(timer));
      return;
    }
    default:
      call.sendMetadata(md);
      return callback(null, {});
  }
}

function handler(method) {
  if (!method.requestStream && !method.responseStream) {
    return answer;
  }
  if (!method.requestStream) {
    return call => answer(call, (err, msg) => { if (err) { call.emit('error', err); } else { call.write(msg); call.end(); } });
  }
  // Client and bidi streams: answer once the caller has sent everything.
  return (call, callback) => {
    call.on('data', () => {});
    call.on('end', () => answer(call, callback || ((err, msg) => { if (err) { call.emit('error', err); } else { call.write(msg); call.end(); } })));
  };
}

async function main() {
  const server = new grpc.Server();
  for (const service of services) {
    const impl = {};
    for (const [methodName, method] of Object.entries(service.definition)) {
      impl[methodName] = handler(method);
    }
    server.addService(service.definition, impl);
  }
  const grpcPort = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => err ? reject(err) : resolve(p)));
  const control = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = url.pathname.match(/^\/mode\/(ok|unavailable|hang|slow)$/);
    if (m) {
      mode = m[1];
      slowMs = Number(url.searchParams.get('ms') || '0');
      res.end(JSON.stringify({ name, mode, slowMs }) + '\n');
    } else if (url.pathname === '/stats') {
      res.end(JSON.stringify({ name, calls }) + '\n');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise(resolve => control.listen(0, '127.0.0.1', resolve));
  process.stdout.write(JSON.stringify({ name, grpc: grpcPort, control: control.address().port }) + '\n');
}

main().catch(err => { console.error(err); process.exit(1); });
