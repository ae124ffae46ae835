// An HTTP/2 upstream for the sidecar's HTTP/2 client tests, on node's own http2 module (not grpc-js, not Kestrel), so
// it can show what arrives on the wire: the caller's SETTINGS, which connection a stream came on, a reset.
// Usage: node h2peer.js COUNT. Serves h2c on COUNT ports, prints {"ports":[...]} once bound, then one JSON line per
// recorded event ({"cancelled":"ID","by":"cancel","code":N}, the shape NodeBackends reads). Every stream is answered as
// gRPC: response headers, one empty message, grpc-status 0 in trailers. Response headers carry
//   x-session           the number of the HTTP/2 connection (per server, from 1) the stream came on
//   x-remote-settings   JSON of session.remoteSettings: the SETTINGS the caller sent on that connection
//   x-goaway-sent       "true" when this connection's GOAWAY went out before the reply
//   x-received          with x-echo-headers: JSON of the request's header fields, [[name, value]...] in the order
//                       nghttp2 decoded them, so a test can check the caller's HPACK encoder
// Request headers drive it, in this order:
//   x-table-size: N     send SETTINGS_HEADER_TABLE_SIZE = N first, and go on once the caller acknowledged it: the
//                       caller's next header block must open with a dynamic table size update (RFC 7541 §4.2)
//   x-wait-streams: N   wait until N streams are open on this connection (at most 10 s), so a test can line calls up
//   x-action: goaway    send GOAWAY (session.close(): no new streams, open ones finish), then answer after 200 ms
//   x-action: rst       reset the stream with x-rst-code (default 2, INTERNAL_ERROR) instead of answering, once the
//                       whole request has arrived (a reset racing the request body is another test's business); with
//                       x-rst-once: KEY only the first stream carrying KEY is reset, so a retry of it is answered
//   x-action: destroy   send the headers and one message, then drop the TCP connection without GOAWAY
//   x-action: message   send the headers and one message first, then hold (so the caller knows the call arrived)
//   x-hold-ms: N        wait N ms before answering (a reset ends the wait)
//   x-record-cancel: ID print the event above when the caller resets the stream before it is answered
'use strict';
const http2 = require('http2');

const count = Number(process.argv[2] || '1');
const emptyMessage = Buffer.alloc(5);
const resetOnce = new Set();

function delay(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

async function until(condition, limitMs) {
  const end = Date.now() + limitMs;
  while (!condition() && Date.now() < end) {
    await delay(5);
  }
}

function settingsJson(session) {
  const s = session.remoteSettings || {};
  return JSON.stringify({
    headerTableSize: s.headerTableSize,
    enablePush: s.enablePush,
    initialWindowSize: s.initialWindowSize,
    maxFrameSize: s.maxFrameSize,
    maxConcurrentStreams: s.maxConcurrentStreams,
    maxHeaderListSize: s.maxHeaderListSize,
  });
}

function startServer() {
  let sessions = 0;
  const server = http2.createServer();
  server.on('session', session => {
    session.meshNumber = ++sessions;
    session.meshOpen = new Set();
    session.meshGoaway = false;
    session.on('error', () => {});
  });
  server.on('stream', async (stream, headers, _flags, rawHeaders) => {
    const session = stream.session;
    session.meshOpen.add(stream);
    let answered = false;
    stream.on('error', () => {});
    stream.on('close', () => {
      session.meshOpen.delete(stream);
      const id = headers['x-record-cancel'];
      if (!answered && id !== undefined) {
        process.stdout.write(JSON.stringify({ cancelled: String(id), by: 'cancel', code: stream.rstCode }) + '\n');
      }
    });

    const alive = () => !stream.destroyed && !stream.closed;
    let requestEnded = false;
    stream.on('end', () => { requestEnded = true; });
    stream.resume();
    if (headers['x-table-size'] !== undefined) {
      // The callback runs when the caller's SETTINGS ack arrives.
      await new Promise(resolve => session.settings({ headerTableSize: Number(headers['x-table-size']) }, resolve));
    }

    const waitStreams = Number(headers['x-wait-streams'] || '0');
    if (waitStreams > 0) {
      await until(() => session.meshOpen.size >= waitStreams || !alive(), 10000);
    }

    const once = headers['x-rst-once'];
    const action = headers['x-action'] === 'rst' && once !== undefined && resetOnce.has(once) ? undefined : headers['x-action'];
    if (action === 'rst') {
      if (once !== undefined) {
        resetOnce.add(once);
      }

      await until(() => requestEnded || !alive(), 10000);
      answered = true;
      stream.close(Number(headers['x-rst-code'] || '2'));
      return;
    }

    if (action === 'goaway') {
      session.meshGoaway = true;
      session.close();
      await delay(200);
    }

    const received = [];
    for (let i = 0; headers['x-echo-headers'] !== undefined && i < rawHeaders.length; i += 2) {
      received.push([rawHeaders[i], rawHeaders[i + 1]]);
    }
    const respond = () => stream.respond({
      ':status': 200,
      'content-type': 'application/grpc',
      'x-session': String(session.meshNumber),
      'x-remote-settings': settingsJson(session),
      'x-goaway-sent': String(session.meshGoaway),
      ...(received.length > 0 ? { 'x-received': JSON.stringify(received) } : {}),
    }, { waitForTrailers: true });
    if (action === 'message') {
      respond();
      stream.write(emptyMessage);
    }

    const hold = Number(headers['x-hold-ms'] || '0');
    if (hold > 0) {
      await until(() => !alive(), hold);
    }

    if (!alive()) {
      return;
    }

    if (action !== 'message') {
      respond();
    }

    if (action === 'destroy') {
      answered = true;
      stream.write(emptyMessage);
      setTimeout(() => session.destroy(), 50);
      return;
    }

    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    answered = true;
    stream.end(emptyMessage);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function main() {
  const ports = [];
  for (let i = 0; i < count; i++) {
    ports.push(await startServer());
  }
  process.stdout.write(JSON.stringify({ ports }) + '\n');
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
main().catch(err => { console.error(err); process.exit(1); });
