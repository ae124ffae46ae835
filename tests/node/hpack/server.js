// An HTTP/2 (h2c) server on Node's http2 module (nghttp2: Huffman coding, dynamic table indexing) for the HPACK
// tests of tests/MeshProxy.Tests/Upstream/Hpack. Usage: node hpack/server.js <responses.json> [headerTableSize];
// the optional size is the server's SETTINGS_HEADER_TABLE_SIZE (default 4096). Prints
// "LISTENING <port>" and runs until stdin closes. The file is an array of { headers: [[name, value]...],
// trailers: [[name, value]...] }; a request for /responses/<i> gets response i, whose body is the JSON of the
// request's header fields as nghttp2 decoded them, so the test can check our encoder as well. A request for
// /settings/<n> makes the server send SETTINGS_HEADER_TABLE_SIZE = n; its empty 200 follows the client's ack.
'use strict';
const fs = require('fs');
const http2 = require('http2');

const responses = JSON.parse(fs.readFileSync(process.argv[2], 'latin1'));

function toObject(pairs) {
  const object = {};
  for (const [name, value] of pairs) {
    object[name] = value;
  }
  return object;
}

const headerTableSize = process.argv[3] === undefined ? 4096 : Number(process.argv[3]);
const server = http2.createServer({ settings: { headerTableSize } });
server.on('stream', (stream, _headers, _flags, rawHeaders) => {
  const settings = /^\/settings\/(\d+)$/.exec(_headers[':path']);
  if (settings) {
    stream.session.settings({ headerTableSize: Number(settings[1]) }, () => {
      stream.respond({ ':status': 200 }, { endStream: true });
    });
    return;
  }
  const match = /^\/responses\/(\d+)$/.exec(_headers[':path']);
  const response = match && responses[Number(match[1])];
  if (!response) {
    stream.respond({ ':status': 404 }, { endStream: true });
    return;
  }
  const received = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    received.push([rawHeaders[i], rawHeaders[i + 1]]);
  }
  stream.respond(toObject(response.headers), { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(toObject(response.trailers)));
  stream.end(Buffer.from(JSON.stringify(received), 'latin1'));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
